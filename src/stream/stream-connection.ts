import { randomBytes } from 'node:crypto';
import { Caller } from '../auth/caller';
import { compareEventIds, formatEventId, parseResumeId, resumePointId } from '../events/event-id';
import { Replay } from '../events/event-log';
import { DomainEvent, EventType } from '../events/event-map';
import { StreamCloseReason } from '../metrics/metrics.service';
import { EventSelector } from './event-selector';
import { Pacer } from './pacer';
import { controlFrame, eventFrame, retryFrame } from './sse-frame';
import { SseWriter } from './sse-writer';
import { StreamOptions } from './stream-options';

/** How long a full socket is given to drain before its byte bound applies. */
const STALL_GRACE_MS = 1000;

export interface StreamLimits {
  maxEventsPerMinute: number;
  /** Live events that may wait for pacing before the connection is closed with RATE_LIMITED. */
  maxBacklog: number;
  /** Bytes a connection may hold for a reader whose socket is full before it is dropped. */
  maxBufferedBytes: number;
  /** How long a socket may refuse to drain. */
  stallTimeoutMs: number;
  /** Sent as `retry:`: how long clients wait before reconnecting. */
  retryMs: number;
}

export interface StreamError {
  code: 'CONNECTION_ERROR' | 'AUTH_ERROR' | 'RATE_LIMITED';
  message: string;
  retry_after: number;
}

/** How a connection tells its hub what it needs. */
export interface ConnectionHost {
  now(): number;
  /**
   * The last event the host has offered to every connection that may select it; null before the
   * first. Events it did not offer to this connection are ones it does not select.
   */
  lastEventId(): string | null;
  lagging(connection: StreamConnection, isLagging: boolean): void;
  backedUp(connection: StreamConnection, isBackedUp: boolean): void;
  delivered(): void;
  closed(connection: StreamConnection, reason: StreamCloseReason): void;
  /** Reads the next page of a replay after `position`; the connection gets it in `continueReplay`. */
  readMore(connection: StreamConnection, position: string): void;
}

/**
 * One open stream: what it selects, where it stands (the last event it has fully handled, which
 * every id it sends resumes from), its paced backlog, and its heartbeat.
 */
export class StreamConnection {
  private readonly suffix = randomBytes(8).toString('hex');
  readonly id = `conn_${this.suffix}`;
  private readonly selector: EventSelector;
  private readonly pacer: Pacer;
  /**
   * `opening`: a replay page is being read, live events wait in `early`. `catching-up`: a page
   * that is not the last is being sent; live events are ignored, as the next page holds them.
   */
  private state: 'opening' | 'catching-up' | 'live' | 'closed' = 'opening';
  /** Where the page being sent ends, while catching up. */
  private pageEnd = '';
  private position = '';
  /**
   * Set while the feed has not yet handed this host the events that the replay covers: live
   * events up to here were sent with the replay already (several instances: a position written on
   * another instance can be ahead of this instance's feed).
   */
  private replayedThrough: string | null = null;
  private readonly early: DomainEvent[] = [];
  private backlog: DomainEvent[] = [];
  private backlogStart = 0;
  private replayLeft = 0;
  private liveBytes = 0;
  private controlCount = 0;
  private heartbeat?: NodeJS.Timeout;
  private writer?: SseWriter;

  constructor(
    readonly caller: Caller,
    private readonly options: StreamOptions,
    private readonly limits: StreamLimits,
    private readonly host: ConnectionHost,
    /** Ends the response; the connection's observable completes. */
    private readonly complete: () => void,
  ) {
    this.selector = new EventSelector(caller.organizationId, options);
    this.pacer = new Pacer(limits.maxEventsPerMinute, host.now());
  }

  /** Called once the headers are out and the retained events after the resume position are known. */
  open(writer: SseWriter, replay: Replay, resumeFrom: string | undefined): void {
    if (this.state !== 'opening') return;
    this.writer = writer;
    const resumed = parseResumeId(resumeFrom ?? '');
    this.position = resumed && !replay.reset ? formatEventId(resumed) : replay.position;
    writer.write(retryFrame(this.limits.retryMs), this.host.now());
    this.sendHeartbeat();
    if (replay.reset) this.sendControl('stream.reset', replay.reset);
    this.heartbeat = setInterval(
      () => this.sendHeartbeat(),
      this.options.heartbeatSeconds * 1000,
    ).unref();
    this.continueReplay(replay);
  }

  /** Sends a page of the replay; after the last one, the live events that came meanwhile. */
  continueReplay(replay: Replay): void {
    if (this.state !== 'opening') return;
    for (const event of replay.events) this.accept(event, true);
    if (replay.more) {
      this.state = 'catching-up';
      this.pageEnd = replay.position;
      this.early.length = 0;
      this.readMoreOnceSent();
      return;
    }
    this.state = 'live';
    for (const event of this.early) {
      if (compareEventIds(event.id, replay.position) > 0) this.accept(event, false);
    }
    this.early.length = 0;
    const latest = this.host.lastEventId();
    if (latest === null || compareEventIds(latest, replay.position) < 0) {
      this.replayedThrough = replay.position;
    }
  }

  /** The event types this connection receives; null for all. */
  get selectedTypes(): ReadonlySet<EventType> | null {
    return this.options.events;
  }

  /** A live event from the feed. */
  offer(event: DomainEvent): void {
    if (this.state === 'live') {
      if (this.replayedThrough !== null) {
        if (compareEventIds(event.id, this.replayedThrough) <= 0) return;
        this.replayedThrough = null;
      }
      this.accept(event, false);
    } else if (this.state === 'opening') {
      this.early.push(event);
      if (this.early.length > this.limits.maxBacklog) this.closeRateLimited(this.early.length);
    }
  }

  /** Sends what pacing and the socket allow now; called while this connection lags. */
  drain(): void {
    const now = this.host.now();
    while (this.isSending && this.isLagging && !this.writer?.backedUp && this.pacer.tryTake(now)) {
      const event = this.backlog[this.backlogStart++];
      if (this.replayLeft > 0) this.replayLeft -= 1;
      else this.liveBytes -= eventFrame(event).length;
      this.deliver(event, now);
    }
    if (!this.isLagging) {
      this.backlog = [];
      this.backlogStart = 0;
      this.host.lagging(this, false);
      this.readMoreOnceSent();
    }
  }

  /**
   * Closes a reader whose socket has not drained for too long, or that holds too many bytes after
   * a grace period (any large frame fills a socket for a moment); called while it is backed up.
   */
  checkStall(): void {
    const stalledFor = this.writer?.stalledFor(this.host.now()) ?? 0;
    const overBytes =
      stalledFor > STALL_GRACE_MS && this.bufferedBytes() > this.limits.maxBufferedBytes;
    if (stalledFor > this.limits.stallTimeoutMs || overBytes) this.closeSlowConsumer();
  }

  /** Sends the error event (when given), then ends the stream. Idempotent. */
  close(reason: StreamCloseReason, error?: StreamError, how: { destroy?: boolean } = {}): void {
    if (this.state === 'closed') return;
    // Once the headers are out (the writer is given at open), the client can read an error event.
    const wasOpen = this.writer !== undefined;
    this.state = 'closed';
    clearInterval(this.heartbeat);
    if (error && wasOpen) this.sendControl('error', error);
    if (how.destroy) this.writer?.destroy();
    else this.writer?.close();
    this.host.closed(this, reason);
    this.complete();
  }

  /** The client went away: stop without writing. */
  dispose(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearInterval(this.heartbeat);
    this.writer?.close();
    this.host.closed(this, 'client');
  }

  get isLagging(): boolean {
    return this.backlogStart < this.backlog.length;
  }

  private get isSending(): boolean {
    return this.state === 'live' || this.state === 'catching-up';
  }

  /** Once a page that is not the last has been sent, everything up to its end is handled. */
  private readMoreOnceSent(): void {
    if (this.state !== 'catching-up' || this.isLagging) return;
    this.position = this.pageEnd;
    this.state = 'opening';
    this.host.readMore(this, this.pageEnd);
  }

  private accept(event: DomainEvent, fromReplay: boolean): void {
    if (!this.selector.selects(event)) {
      if (!this.isLagging) this.position = event.id;
      return;
    }
    const now = this.host.now();
    if (!this.isLagging && !this.writer?.backedUp && this.pacer.tryTake(now)) {
      this.deliver(event, now);
      return;
    }
    this.enqueue(event, fromReplay);
  }

  /**
   * Holds an event back for pacing or for a full socket. Replayed events are references into the
   * retained log and do not count against the bounds; live ones do, in number and in bytes.
   */
  private enqueue(event: DomainEvent, fromReplay: boolean): void {
    this.backlog.push(event);
    this.host.lagging(this, true);
    if (fromReplay) {
      this.replayLeft += 1;
      return;
    }
    this.liveBytes += eventFrame(event).length;
    if (this.liveWaiting() <= this.limits.maxBacklog) return;
    // A socket that has been full for a while is a slow reader; otherwise the rate is to blame.
    const stalledFor = this.writer?.stalledFor(this.host.now()) ?? 0;
    if (stalledFor > STALL_GRACE_MS) this.closeSlowConsumer();
    else this.closeRateLimited(this.backlog.length - this.backlogStart);
  }

  private liveWaiting(): number {
    return this.backlog.length - this.backlogStart - this.replayLeft;
  }

  /** What this connection holds for its client: queued live frames and Node's socket buffer. */
  private bufferedBytes(): number {
    return this.liveBytes + (this.writer?.bufferedBytes ?? 0);
  }

  private deliver(event: DomainEvent, now: number): void {
    this.writer?.write(eventFrame(event), now);
    this.position = event.id;
    this.host.delivered();
  }

  /**
   * Where a client resumes from. Events of other types are not offered to this connection, so
   * once it is open and while it holds nothing back, it has handled everything up to the host's
   * last event: resuming from there spares the replay (and the retention) events it would skip.
   */
  private resumePosition(): string {
    const latest = this.host.lastEventId();
    if (this.state !== 'live' || this.isLagging || latest === null) return this.position;
    return compareEventIds(latest, this.position) > 0 ? latest : this.position;
  }

  private closeSlowConsumer(): void {
    this.close(
      'slow_consumer',
      {
        code: 'CONNECTION_ERROR',
        message: 'The client is not reading the stream fast enough: resume from the last event id',
        retry_after: this.limits.retryMs,
      },
      { destroy: true },
    );
  }

  private closeRateLimited(waiting: number): void {
    this.close('rate_limited', {
      code: 'RATE_LIMITED',
      message: `More than ${this.limits.maxEventsPerMinute} events a minute: resume from the last event id to receive the rest`,
      retry_after: Math.min(60_000, this.pacer.millisecondsFor(waiting, this.host.now())),
    });
  }

  private sendHeartbeat(): void {
    this.sendControl('heartbeat', {
      timestamp: new Date(this.host.now()).toISOString(),
      status: 'healthy',
      connection_id: this.id,
    });
  }

  private sendControl(type: 'heartbeat' | 'error' | 'stream.reset', data: unknown): void {
    this.controlCount += 1;
    const id = resumePointId(this.resumePosition(), `${this.suffix}.${this.controlCount}`);
    this.writer?.write(controlFrame(type, id, data), this.host.now());
  }
}
