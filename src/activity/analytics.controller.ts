import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/authenticated.decorator';
import { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { AnalyticsUpdateData } from '../events/event-map';
import { AnalyticsPublisher } from './analytics.publisher';
import { AnalyticsResponse } from './analytics.response';

/**
 * The organization's counts on demand: a dashboard shows them at once instead of waiting up to
 * ANALYTICS_INTERVAL_SECONDS for the next event. Whoever may read the stream sees these events.
 */
@ApiTags('analytics')
@Controller('analytics')
export class AnalyticsController {
  constructor(private readonly publisher: AnalyticsPublisher) {}

  @Get()
  @Authenticated('stream:read')
  @ApiOkResponse({
    type: AnalyticsResponse,
    description: 'The analytics.update data of the window in progress, as if it ended now',
  })
  now(@CurrentCaller() caller: Caller): Promise<AnalyticsUpdateData> {
    return this.publisher.current(caller.organizationId);
  }
}
