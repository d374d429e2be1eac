import { ApiProperty } from '@nestjs/swagger';
import { AnalyticsUpdateData } from '../events/event-map';

/** The data of an `analytics.update` event. */
export class AnalyticsResponse implements AnalyticsUpdateData {
  @ApiProperty({ example: '2026-01-01T12:00:00.000Z', description: 'When the window ends' })
  timestamp!: string;
  @ApiProperty({ example: 60, description: 'How long the counted window is (or has run so far)' })
  window_seconds!: number;
  @ApiProperty({ example: 42, description: "The organization's memories now" })
  memories_total!: number;
  @ApiProperty({ example: 3 }) memories_created!: number;
  @ApiProperty({ example: 1 }) memories_updated!: number;
  @ApiProperty({ example: 0 }) memories_deleted!: number;
  @ApiProperty({ example: 5 }) searches!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 4.2,
    description: 'Mean search time in ms; null without searches',
  })
  average_search_time!: number | null;
  @ApiProperty({ example: 2, description: "The organization's open streams" })
  active_connections!: number;
}
