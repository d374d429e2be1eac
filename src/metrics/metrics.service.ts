import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Every Prometheus metric of the service, in one registry served at GET /metrics. Hot paths
 * (one increment per delivered frame) count into plain numbers read at scrape time.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private delivered = 0;

  readonly httpRequestDuration = new Histogram({
    name: 'mnemo_http_request_duration_seconds',
    help: 'HTTP request durations by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly openStreams = new Gauge({
    name: 'mnemo_stream_open_connections',
    help: 'Open SSE streams on this instance',
    registers: [this.registry],
  });

  readonly eventsPublished = new Counter({
    name: 'mnemo_events_published_total',
    help: 'Domain events published, by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  readonly eventsDelivered = new Counter({
    name: 'mnemo_events_delivered_total',
    help: 'Event frames written to stream connections',
    registers: [this.registry],
    collect: () => this.flushDelivered(),
  });

  readonly connectionsRefused = new Counter({
    name: 'mnemo_stream_connections_refused_total',
    help: 'Stream connections refused before opening, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly replays = new Counter({
    name: 'mnemo_stream_replays_total',
    help: 'Streams resumed from a retained position',
    registers: [this.registry],
  });

  readonly resets = new Counter({
    name: 'mnemo_stream_resets_total',
    help: 'stream.reset sent, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly streamsClosed = new Counter({
    name: 'mnemo_stream_closed_total',
    help: 'Streams closed, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly busLag = new Histogram({
    name: 'mnemo_event_bus_lag_seconds',
    help: 'Time from publishing an event to handing it to this instance’s streams',
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });

  readonly eventWindowBytes = new Gauge({
    name: 'mnemo_event_log_window_bytes',
    help: 'Bytes of event data this instance keeps in memory in front of the durable log',
    registers: [this.registry],
  });

  readonly eventsTrimmed = new Counter({
    name: 'mnemo_event_log_trimmed_total',
    help: 'Events removed from the durable log by retention (count, age or bytes)',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'mnemo_' });
  }

  /** Counted per frame on the hot path; turned into the counter when scraped. */
  countDelivered(frames: number): void {
    this.delivered += frames;
  }

  private flushDelivered(): void {
    this.eventsDelivered.inc(this.delivered);
    this.delivered = 0;
  }
}
