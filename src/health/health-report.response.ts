import { ApiProperty, ApiPropertyOptional, SchemaObject } from '@nestjs/swagger';

const SERVICE: SchemaObject = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: ['up', 'down'] } },
  additionalProperties: true,
};

/**
 * A probe's answer as terminus gives it: each probed service by name. (Documented here because
 * terminus's own documentation of the 503 body is not what this service sends: see ApiErrors.)
 */
export class HealthReportResponse {
  @ApiProperty({ enum: ['ok'] })
  status!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: SERVICE,
    example: { database: { status: 'up' } },
  })
  info?: Record<string, { status: string }>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: SERVICE, example: {} })
  error?: Record<string, { status: string }>;

  @ApiProperty({
    type: 'object',
    additionalProperties: SERVICE,
    example: { database: { status: 'up' } },
  })
  details!: Record<string, { status: string }>;
}
