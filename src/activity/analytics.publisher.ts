import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { EventFeed } from '../events/event-feed';
import { EventLog } from '../events/event-log';
import { AnalyticsUpdateData, DomainEvent } from '../events/event-map';
import { MemoryRepository } from '../memory/memory.repository';
import { Leadership } from '../redis/leadership';
import { StreamHub } from '../stream/stream-hub';

interface Window {
  memories_created: number;
  memories_updated: number;
  memories_deleted: number;
  searches: number;
  searchTimeTotal: number;
}

const emptyWindow = (): Window => ({
  memories_created: 0,
  memories_updated: 0,
  memories_deleted: 0,
  searches: 0,
  searchTimeTotal: 0,
});

/**
 * Every ANALYTICS_INTERVAL_SECONDS, one `analytics.update` per organization that had any event in
 * the window, counted from the event feed itself; quiet organizations get nothing.
 */
@Injectable()
export class AnalyticsPublisher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AnalyticsPublisher.name);
  private windows = new Map<string, Window>();
  private windowStartedAt = Date.now();
  private subscription?: Subscription;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly feed: EventFeed,
    private readonly log: EventLog,
    private readonly memories: MemoryRepository,
    private readonly hub: StreamHub,
    private readonly leadership: Leadership,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.subscription = this.feed.events$.subscribe((event) => this.count(event));
    this.timer = setInterval(
      () => void this.publish(),
      this.config.analyticsIntervalSeconds * 1000,
    ).unref();
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
    clearInterval(this.timer);
  }

  /** Publishes the snapshots of the window that ends now and starts the next one. */
  async publish(): Promise<void> {
    const ended = this.windows;
    this.windows = new Map();
    this.windowStartedAt = Date.now();
    // Every instance counts every event; one of them publishes.
    const term = 2 * this.config.analyticsIntervalSeconds * 1000;
    if (!(await this.leadership.claim('analytics', term))) return;
    for (const [organizationId, window] of ended) {
      try {
        void this.log.publish({
          type: 'analytics.update',
          organizationId,
          data: await this.snapshot(organizationId, window),
        });
      } catch (error) {
        this.logger.warn(`Could not publish analytics for an organization: ${String(error)}`);
      }
    }
  }

  /**
   * The window in progress for one organization, as an `analytics.update` would report it if it
   * ended now (`window_seconds`: how long it has run), so a dashboard need not wait for the next.
   */
  current(organizationId: string): Promise<AnalyticsUpdateData> {
    const elapsedSeconds = Math.round((Date.now() - this.windowStartedAt) / 1000);
    return this.snapshot(
      organizationId,
      this.windows.get(organizationId) ?? emptyWindow(),
      elapsedSeconds,
    );
  }

  private count(event: DomainEvent): void {
    // Its own output is not activity, or every organization would stay active for good.
    if (event.organizationId === null || event.type === 'analytics.update') return;
    const window = this.windows.get(event.organizationId) ?? emptyWindow();
    this.windows.set(event.organizationId, window);
    switch (event.type) {
      case 'memory.created':
        window.memories_created += 1;
        break;
      case 'memory.updated':
        window.memories_updated += 1;
        break;
      case 'memory.deleted':
        window.memories_deleted += 1;
        break;
      case 'search.performed':
        window.searches += 1;
        window.searchTimeTotal += event.data.execution_time;
        break;
    }
  }

  private async snapshot(
    organizationId: string,
    window: Window,
    windowSeconds = this.config.analyticsIntervalSeconds,
  ): Promise<AnalyticsUpdateData> {
    const { searchTimeTotal, ...counts } = window;
    return {
      timestamp: new Date().toISOString(),
      window_seconds: windowSeconds,
      memories_total: await this.memories.count(organizationId),
      ...counts,
      average_search_time:
        counts.searches > 0 ? Math.round((searchTimeTotal / counts.searches) * 10) / 10 : null,
      active_connections: this.hub.openConnectionsOf(organizationId),
    };
  }
}
