import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { EventLogRepository } from './event-log.repository';

/** How often retention is applied. Every instance does it; removing removed rows is a no-op. */
const TRIM_INTERVAL_MS = 2000;

/** Keeps the durable log within its retention: count, age and bytes. */
@Injectable()
export class EventTrimmer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(EventTrimmer.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly repository: EventLogRepository,
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => {
      this.running ??= this.trim().finally(() => (this.running = undefined));
    }, TRIM_INTERVAL_MS).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async trim(): Promise<void> {
    try {
      const removed = await this.repository.trim(this.config.eventRetention, Date.now());
      this.metrics.eventsTrimmed.inc(removed);
    } catch (error) {
      this.logger.warn(`Trimming the event log failed: ${String(error)}`);
    }
  }
}
