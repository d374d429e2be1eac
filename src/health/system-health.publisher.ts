import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { EventLog } from '../events/event-log';
import { DomainEvent, SystemHealthData } from '../events/event-map';
import { Leadership } from '../redis/leadership';
import { DatabaseHealthIndicator } from './database.health';
import { SearchHealthIndicator } from './search.health';
import { isUp } from './probe';
import { decideHealth } from './health-status';
import { HttpStatsRecorder } from './http-stats.recorder';
import { ProcessStatsSampler } from './process-stats.sampler';

const round = (value: number, decimals: number) => Number(value.toFixed(decimals));

/**
 * Measures the service every HEALTH_INTERVAL_SECONDS and publishes `system.health` to every
 * organization. Each run is scheduled when the previous one ends, so a slow check never overlaps
 * the next; the timer never keeps the process alive.
 */
@Injectable()
export class SystemHealthPublisher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SystemHealthPublisher.name);
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private latest?: SystemHealthData;

  constructor(
    private readonly log: EventLog,
    private readonly config: AppConfig,
    private readonly database: DatabaseHealthIndicator,
    private readonly search: SearchHealthIndicator,
    private readonly http: HttpStatsRecorder,
    private readonly processStats: ProcessStatsSampler,
    private readonly leadership: Leadership,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule();
  }

  /** Before the database closes, so no run measures a half-stopped service. */
  beforeApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private publish(data: SystemHealthData): Promise<DomainEvent | undefined> {
    return this.log.publish({ type: 'system.health', organizationId: null, data });
  }

  /**
   * The last reading this instance published while it is recent (two intervals), else one taken
   * now: each reading restarts the CPU sample, so a caller asking often must not shorten it.
   */
  async current(): Promise<SystemHealthData> {
    const maxAgeMs = 2 * this.config.healthIntervalSeconds * 1000;
    if (this.latest && Date.now() - Date.parse(this.latest.timestamp) < maxAgeMs) {
      return this.latest;
    }
    return this.measure();
  }

  private async measure(): Promise<SystemHealthData> {
    const [database, search] = await Promise.all([
      this.database.isHealthy('database'),
      this.search.isHealthy('search'),
    ]);
    const recent = this.http.recent();
    const { cpuUsage, memoryUsage } = this.processStats.sample();
    const { status, services } = decideHealth({
      databaseUp: isUp(database),
      searchUp: isUp(search),
      errorRatePercent: recent.errorRatePercent,
    });
    return {
      status,
      timestamp: new Date().toISOString(),
      metrics: {
        cpu_usage: round(cpuUsage, 1),
        memory_usage: round(memoryUsage, 1),
        response_time: round(recent.meanDurationMs, 1),
        error_rate: round(recent.errorRatePercent, 2),
      },
      services,
    };
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.run(), this.config.healthIntervalSeconds * 1000);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    try {
      const term = 2 * this.config.healthIntervalSeconds * 1000;
      if (!(await this.leadership.claim('system-health', term))) return;
      const data = await this.measure();
      // A run that was measuring when shutdown began would report the closing database.
      if (this.stopped) return;
      this.latest = data;
      await this.publish(data);
    } catch (error) {
      this.logger.error(`Could not publish system.health: ${(error as Error)?.message ?? error}`);
    } finally {
      this.schedule();
    }
  }
}
