import {
  applyDecorators,
  Controller,
  Get,
  HttpStatus,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorFunction,
} from '@nestjs/terminus';
import { ApiError } from '../common/api-error';
import { ApiErrors } from '../common/documented-errors';
import { AppConfig } from '../config/app-config';
import { DatabaseHealthIndicator } from './database.health';
import { EventNoticesHealthIndicator } from './event-notices.health';
import { HealthReportResponse } from './health-report.response';
import { SearchHealthIndicator } from './search.health';

/** A terminus probe, documented with the bodies this service sends (the 503 is the error body). */
const ProbeRoute = () =>
  applyDecorators(
    HealthCheck({ noCache: true, swaggerDocumentation: false }),
    ApiOkResponse({ type: HealthReportResponse, description: 'Every probed service is up' }),
    ApiErrors(503),
  );

/**
 * Probes for orchestrators and load balancers, outside /api/v1 and without a key: they report
 * only the service's own dependencies, never tenant data.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
    private readonly search: SearchHealthIndicator,
    private readonly eventNotices: EventNoticesHealthIndicator,
    private readonly config: AppConfig,
  ) {}

  /** With several instances, Redis carries the news of every event: without it nothing reaches a stream. */
  private redisChecks(): HealthIndicatorFunction[] {
    return this.config.redis ? [() => this.eventNotices.isHealthy('redis')] : [];
  }

  @Get()
  @ProbeRoute()
  overall(): Promise<HealthCheckResult> {
    return this.report([
      () => this.database.isHealthy('database'),
      () => this.search.isHealthy('search'),
      ...this.redisChecks(),
    ]);
  }

  /** The process answers: no dependency is asked, so a database outage never restarts it. */
  @Get('live')
  @ProbeRoute()
  live(): Promise<HealthCheckResult> {
    return this.report([]);
  }

  /** Whether to send traffic here: the database answers, and Redis when configured. */
  @Get('ready')
  @ProbeRoute()
  ready(): Promise<HealthCheckResult> {
    return this.report([() => this.database.isHealthy('database'), ...this.redisChecks()]);
  }

  /**
   * Terminus answers a failed check with 503 and its per-service report; the report becomes the
   * `details` of the one error body, so a failing probe still says which service is down.
   */
  private async report(checks: HealthIndicatorFunction[]): Promise<HealthCheckResult> {
    try {
      return await this.health.check(checks);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as HealthCheckResult;
      const down = Object.keys(result.error ?? {});
      const message =
        result.status === 'shutting_down'
          ? 'The service is shutting down'
          : `Unhealthy: ${down.join(', ')}`;
      throw new ApiError(HttpStatus.SERVICE_UNAVAILABLE, 'INTERNAL_ERROR', message, result);
    }
  }
}
