import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Subject } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { formatEventId } from './event-id';
import { EventLogRepository, READ_BATCH } from './event-log.repository';
import { DomainEvent } from './event-map';
import { EventNotifier } from './event-notifier';
import { RecentEvents } from './recent-events';

/** How long a gap may wait for the notice that fills it before the log is read. */
const GAP_WAIT_MS = 25;
/** How often the log is read regardless: a notice can be lost with the instance that sent it. */
const POLL_MS = 1000;
/** The in-memory window never holds more than this, whatever EVENT_RETENTION_BYTES allows. */
const WINDOW_MAX_BYTES = 64 * 1024 * 1024;

/**
 * This instance's live tail of the log: every committed event exactly once, in position order,
 * whoever wrote it. Events committed here arrive at once; those of other instances by notice; any
 * gap (a lost notice, a notice overtaken by a later one) is filled from the log itself.
 */
@Injectable()
export class EventFeed implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(EventFeed.name);
  private readonly subject = new Subject<DomainEvent>();
  readonly events$ = this.subject.asObservable();
  readonly recent: RecentEvents;
  private epoch = 0;
  private last = 0;
  /** Events that arrived ahead of one still missing, by position. */
  private readonly ahead = new Map<number, DomainEvent>();
  private gapTimer?: NodeJS.Timeout;
  private poller?: NodeJS.Timeout;
  private reading?: Promise<void>;
  private readAgain = false;
  private stopped = false;

  constructor(
    private readonly repository: EventLogRepository,
    private readonly notifier: EventNotifier,
    private readonly metrics: MetricsService,
    config: AppConfig,
  ) {
    const { count, seconds, bytes } = config.eventRetention;
    this.recent = new RecentEvents({ count, seconds, bytes: Math.min(bytes, WINDOW_MAX_BYTES) });
  }

  async onModuleInit(): Promise<void> {
    this.epoch = await this.repository.epoch();
    this.last = await this.repository.head();
    this.notifier.listen({
      received: (events) => this.offer(events),
      resumed: () => this.catchUp(),
    });
    this.poller = setInterval(() => this.catchUp(), POLL_MS).unref();
  }

  /** The position of the last event handed out. */
  get lastPosition(): number {
    return this.last;
  }

  /** The id of the last event handed out; where a stream without history starts. */
  lastId(): string {
    return formatEventId({ epoch: this.epoch, sequence: this.last });
  }

  /** Committed events, from this instance or another; duplicates and old ones are ignored. */
  offer(events: readonly DomainEvent[]): void {
    for (const event of events) {
      if (event.position > this.last) this.ahead.set(event.position, event);
    }
    this.flush();
  }

  /** Reads what the log holds past the last event handed out (once at a time; again if asked meanwhile). */
  catchUp(): void {
    if (this.stopped) return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = this.readLog()
      .catch((error: unknown) => this.logger.warn(`Reading the event log failed: ${String(error)}`))
      .finally(() => {
        this.reading = undefined;
        if (this.readAgain) {
          this.readAgain = false;
          this.catchUp();
        }
      });
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearInterval(this.poller);
    clearTimeout(this.gapTimer);
    this.subject.complete();
  }

  private async readLog(): Promise<void> {
    for (;;) {
      const events = await this.repository.range(this.epoch, this.last, Number.MAX_SAFE_INTEGER);
      this.offer(events);
      if (events.length < READ_BATCH || this.stopped) return;
    }
  }

  private flush(): void {
    for (let next = this.ahead.get(this.last + 1); next; next = this.ahead.get(this.last + 1)) {
      this.ahead.delete(next.position);
      this.last = next.position;
      this.recent.add(next);
      this.subject.next(next);
    }
    this.metrics.eventWindowBytes.set(this.recent.bytes);
    if (this.ahead.size === 0) {
      clearTimeout(this.gapTimer);
      this.gapTimer = undefined;
    } else {
      this.gapTimer ??= setTimeout(() => {
        this.gapTimer = undefined;
        this.catchUp();
      }, GAP_WAIT_MS).unref();
    }
  }
}
