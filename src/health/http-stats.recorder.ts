import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { isEventStream } from '../common/event-stream-responses';
import { MetricsService } from '../metrics/metrics.service';
import { HttpStatsSnapshot, HttpStatsWindow } from './http-stats.window';

/** How far back system.health looks for response_time and error_rate. */
const WINDOW_SECONDS = 60;

/** The label of requests no route matched (404s, bodies refused before routing). */
const UNMATCHED_ROUTE = 'unmatched';

/**
 * Probes and scrapes are left out of the recent window: they are not API traffic, and a failing
 * readiness probe's 503s would otherwise keep the error rate up after the dependency recovers.
 */
const OPERATIONAL_ROUTES: ReadonlySet<string> = new Set([
  '/health',
  '/health/live',
  '/health/ready',
  '/metrics',
]);

/** The route pattern (`/api/v1/memories/:id`), never the raw URL: one label value per route. */
function routeOf(request: Request): string {
  const path: unknown = request.route?.path;
  return typeof path === 'string' ? `${request.baseUrl}${path}` : UNMATCHED_ROUTE;
}

/** An open stream's lifetime is not a latency; its refusals (4xx) are ordinary answers. */
function isOpenedStream(response: Response): boolean {
  return response.statusCode === 200 && isEventStream(response);
}

/**
 * Times every HTTP answer: into the Prometheus histogram by method, route and status, and into
 * the recent window that system.health reports.
 */
@Injectable()
export class HttpStatsRecorder {
  private readonly window = new HttpStatsWindow(WINDOW_SECONDS);

  constructor(private readonly metrics: MetricsService) {}

  /** Express middleware, mounted before the body parser so that refused bodies count too. */
  readonly middleware = (request: Request, response: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    // Finishes once (`once` would add a wrapper that an open stream keeps for its whole life).
    response.on('finish', () => this.answered(request, response, started));
    next();
  };

  /** The answers of the last minute. */
  recent(): HttpStatsSnapshot {
    return this.window.snapshot(Date.now());
  }

  private answered(request: Request, response: Response, started: bigint): void {
    if (isOpenedStream(response)) return;
    const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
    const route = routeOf(request);
    this.metrics.httpRequestDuration.observe(
      { method: request.method, route, status: String(response.statusCode) },
      durationMs / 1000,
    );
    if (!OPERATIONAL_ROUTES.has(route)) {
      this.window.record(durationMs, response.statusCode, Date.now());
    }
  }
}
