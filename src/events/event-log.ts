import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { DATABASE, DATABASE_DIALECT } from '../database/database.module';
import { Database } from '../database/database.types';
import { DatabaseDialect } from '../database/dialect';
import { MetricsService } from '../metrics/metrics.service';
import { EventFeed } from './event-feed';
import { formatEventId, parseResumeId } from './event-id';
import { EventLogRepository } from './event-log.repository';
import { DomainEvent, EventInput } from './event-map';
import { EventNotifier } from './event-notifier';
import { Positioned } from './stream-position';

export type ResetReason = 'unknown' | 'expired';

/** Events read from the database for a replay at a time (each up to a few hundred KB). */
const REPLAY_PAGE = 100;

/**
 * What a resuming connection gets: the retained events after its position, or why it cannot.
 * `position` is where the replay ends. With `more`, it is one page read from the database (the
 * page's last event): the rest is read once the connection has sent it, so a replay of a long
 * stretch never sits in memory whole.
 */
export type Replay =
  | { events: DomainEvent[]; position: string; more?: boolean; reset?: undefined }
  | {
      events: DomainEvent[];
      position: string;
      more?: undefined;
      reset: { reason: ResetReason; oldest_id: string | null };
    };

/**
 * A transaction's outcome: what `work` returned, the events committed with it, and its position
 * (the last event it wrote, or the log's head as it saw it when it wrote none).
 */
export interface Committed<T> extends Positioned<T> {
  events: DomainEvent[];
}

/** Adds an event to the transaction it is given to. */
export type Append = (event: EventInput) => void;

/**
 * The durable event log, in the service's database. Changes and their events commit together
 * (`transaction`); events that follow no change (searches, activity, health) are appended in
 * batches without holding up whoever published them (`publish`). Committed events go to this
 * instance's feed at once and to the other instances by notice.
 */
@Injectable()
export class EventLog implements OnModuleInit {
  private readonly logger = new Logger(EventLog.name);
  private epoch = 0;
  private batch: { input: EventInput; settle: (event: DomainEvent | undefined) => void }[] = [];

  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(DATABASE_DIALECT) private readonly dialect: DatabaseDialect,
    private readonly repository: EventLogRepository,
    private readonly feed: EventFeed,
    private readonly notifier: EventNotifier,
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    this.epoch = await this.repository.epoch();
  }

  /** Runs `work` in one transaction with the events it appends: both commit, or neither. */
  async transaction<T>(work: (trx: Database, append: Append) => Promise<T>): Promise<Committed<T>> {
    const committed = await this.db.transaction().execute(async (trx) => {
      const inputs: EventInput[] = [];
      const result = await work(trx, (input) => inputs.push(input));
      if (inputs.length === 0) {
        return { result, events: [], position: this.idOf(await this.repository.head(trx)) };
      }
      const events = await this.repository.append(trx, this.epoch, inputs, Date.now());
      return { result, events, position: events[events.length - 1].id };
    });
    this.committed(committed.events);
    return committed;
  }

  /**
   * Runs the reads of `work` on one snapshot and gives the log's position in it: a stream resumed
   * from there carries exactly the changes that snapshot does not show.
   */
  async snapshot<T>(work: (db: Database) => Promise<T>): Promise<Positioned<T>> {
    const transaction = this.db.transaction();
    // PostgreSQL's default takes a snapshot per statement; SQLite's transaction is one already.
    const isolated =
      this.dialect === 'postgres' ? transaction.setIsolationLevel('repeatable read') : transaction;
    return isolated.execute(async (trx) => {
      const head = await this.repository.head(trx);
      return { result: await work(trx), position: this.idOf(head) };
    });
  }

  /**
   * Appends an event that follows no change. Events published together are written in one
   * transaction after the caller has moved on; resolves once it is committed (undefined when the
   * write failed: such events are informative, and their loss is logged, not thrown).
   */
  publish(input: EventInput): Promise<DomainEvent | undefined> {
    return new Promise((settle) => {
      if (this.batch.push({ input, settle }) === 1) setImmediate(() => void this.writeBatch());
    });
  }

  /** Retained events after a position (a sent event id or resume point), for resuming streams. */
  async replay(after: string | undefined): Promise<Replay> {
    const through = this.feed.lastPosition;
    const position = this.idOf(through);
    if (after === undefined) return { events: [], position };
    const parsed = parseResumeId(after);
    if (!parsed || parsed.epoch > this.epoch) return this.reset(position, 'unknown');
    if (parsed.epoch < this.epoch) return this.reset(position, 'expired');
    const from = parsed.sequence;
    if (from >= through) {
      // Committed but not handed out here yet (written on another instance): it arrives live.
      if (from <= (await this.repository.head())) return { events: [], position: this.idOf(from) };
      return this.reset(position, 'unknown');
    }
    const recent = this.feed.recent.after(from);
    if (recent) return { events: recent, position };
    const page = await this.readPage(from, through);
    // Positions are dense: a page that does not start right after `from` lost events to a trim.
    if (!page || page[0]?.position !== from + 1) return this.reset(position, 'expired');
    const last = page[page.length - 1];
    return last.position < through
      ? { events: page, position: last.id, more: true }
      : { events: page, position };
  }

  private async reset(position: string, reason: ResetReason): Promise<Replay> {
    const oldest = await this.oldestRetained(this.feed.lastPosition);
    return {
      events: [],
      position,
      reset: { reason, oldest_id: oldest === null ? null : this.idOf(oldest) },
    };
  }

  /**
   * The oldest event a replay may send: what the log holds, less what retention by count has
   * already given up (the trimmer removes those rows in the background).
   */
  private async oldestRetained(through: number): Promise<number | null> {
    const oldest = await this.repository.oldest();
    if (oldest === null) return null;
    const first = Math.max(oldest, through - this.config.eventRetention.count + 1);
    return first <= through ? first : null;
  }

  /** The first page of the log's events after `from` through `through`; null when some are gone. */
  private async readPage(from: number, through: number): Promise<DomainEvent[] | null> {
    const oldest = await this.oldestRetained(through);
    if (oldest === null || from < oldest - 1) return null;
    return this.repository.range(this.epoch, from, through, REPLAY_PAGE);
  }

  private async writeBatch(): Promise<void> {
    const batch = this.batch;
    this.batch = [];
    try {
      const { events } = await this.transaction(async (_trx, append) => {
        for (const { input } of batch) append(input);
      });
      batch.forEach(({ settle }, index) => settle(events[index]));
    } catch (error) {
      this.logger.warn(`Could not append ${batch.length} event(s): ${String(error)}`);
      for (const { settle } of batch) settle(undefined);
    }
  }

  private committed(events: DomainEvent[]): void {
    if (events.length === 0) return;
    for (const event of events) this.metrics.eventsPublished.inc({ type: event.type });
    this.feed.offer(events);
    this.notifier.announce(events);
  }

  private idOf(position: number): string {
    return formatEventId({ epoch: this.epoch, sequence: position });
  }
}
