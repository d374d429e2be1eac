import { ApiProperty } from '@nestjs/swagger';
import { SystemHealthData } from '../events/event-map';

const STATUSES = ['healthy', 'degraded', 'unhealthy'] as const;

export class SystemHealthMetrics {
  @ApiProperty({ example: 12.5, description: 'Percent of one core, since the last sample' })
  cpu_usage!: number;
  @ApiProperty({ example: 41.2, description: 'Percent of the memory available to the process' })
  memory_usage!: number;
  @ApiProperty({ example: 3.4, description: 'Mean HTTP response time in ms, recent window' })
  response_time!: number;
  @ApiProperty({ example: 0, description: 'Percent of 5xx answers, recent window' })
  error_rate!: number;
}

/** The data of a `system.health` event. */
export class SystemHealthResponse implements SystemHealthData {
  @ApiProperty({ enum: STATUSES }) status!: SystemHealthData['status'];
  @ApiProperty({ example: '2026-01-01T12:00:00.000Z' }) timestamp!: string;
  @ApiProperty({ type: SystemHealthMetrics }) metrics!: SystemHealthMetrics;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', enum: [...STATUSES] },
    example: { api: 'healthy', database: 'healthy', search: 'healthy' },
  })
  services!: SystemHealthData['services'];
}
