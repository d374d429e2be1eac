import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/authenticated.decorator';
import { SystemHealthData } from '../events/event-map';
import { SystemHealthPublisher } from './system-health.publisher';
import { SystemHealthResponse } from './system-health.response';

/**
 * The service's status on demand, for a key: a dashboard shows it at once instead of waiting up
 * to HEALTH_INTERVAL_SECONDS for the next event. Whoever may read the stream sees these events.
 */
@ApiTags('health')
@Controller('system/health')
export class SystemHealthController {
  constructor(private readonly publisher: SystemHealthPublisher) {}

  @Get()
  @Authenticated('stream:read')
  @ApiOkResponse({
    type: SystemHealthResponse,
    description: 'The data of the latest system.health event, or measured now when there is none',
  })
  now(): Promise<SystemHealthData> {
    return this.publisher.current();
  }
}
