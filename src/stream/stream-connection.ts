import { randomBytes } from 'node:crypto';
import { Caller } from '../auth/caller';
import { Replay } from '../events/event-log';
import { DomainEvent, EventType } from '../events/event-map';
import { CatchUp } from './catch-up';
import { EventSelector } from './event-selector';
import { PacedQueue } from './paced-queue';
import { jitteredRetry } from './reconnect-delay';
import { ResumePosition } from './resume-position';
import { controlFrame, eventFrame, retryFrame } from './sse-frame';
import { SseWriter } from './sse-writer';
import { StreamOptions } from './stream-options';
import { StreamCloseReason } from './stream-reasons';

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

/** Where a connection reads the events it missed, and how far the live feed has come. */
export interface EventHistory {
  /** The retained events after a position, one page at a time. */
  replay(after: string): Promise<Replay>;
  /** The last event the feed has handed out, and so offered to every connection that selects it. */
  lastId(): string;
}

/** What a connection needs from whoever holds it. */
export interface ConnectionHost {
  now(): number;
  /** While `wanted`, call `tick` every so often: to pace held events out and to watch a full socket. */
  ticks(connection: StreamConnection, wanted: boolean): void;
  delivered(): void;
  closed(connection: StreamConnection, reason: StreamCloseReason): void;
}

/**
 * One open stream: what it selects, its way through the replay to the live feed (CatchUp), what it
 * holds back for pacing or a full socket (PacedQueue), where its client resumes (ResumePosition),
 * and its heartbeat.
 */
export class StreamConnection {
  private readonly suffix = randomBytes(8).toString('hex');
  readonly id = `conn_${this.suffix}`;
  private readonly selector: EventSelector;
  private readonly catchUp: CatchUp;
  private readonly queue: PacedQueue;
  private readonly position: ResumePosition;
  private closed = false;
  private ticking = false;
  private heartbeat?: NodeJS.Timeout;
  /** Given at open, once the headers are out. */
  private writer?: SseWriter;

  constructor(
    readonly caller: Caller,
    private readonly options: StreamOptions,
    private readonly limits: StreamLimits,
    private readonly history: EventHistory,
    private readonly host: ConnectionHost,
    /** Ends the response; the connection's observable completes. */
    private readonly complete: () => void,
  ) {
    const feedLastId = () => history.lastId();
    this.selector = new EventSelector(caller.organizationId, options);
    this.catchUp = new CatchUp(feedLastId);
    this.queue = new PacedQueue(limits.maxEventsPerMinute, limits.maxBacklog, host.now());
    this.position = new ResumePosition(this.suffix, feedLastId);
  }

  /** Called once the headers are out and the first page of the replay is read. */
  open(writer: SseWriter, replay: Replay, resumeFrom: string | undefined): void {
    if (this.closed || this.writer) return;
    this.writer = writer;
    this.position.begin(resumeFrom, replay);
    writer.write(retryFrame(this.limits.retryMs), this.host.now());
    this.sendHeartbeat();
    if (replay.reset) this.sendControl('stream.reset', replay.reset);
    this.heartbeat = setInterval(
      () => this.sendHeartbeat(),
      this.options.heartbeatSeconds * 1000,
    ).unref();
    this.takePage(replay);
  }

  /** The event types this connection receives; null for all. */
  get selectedTypes(): ReadonlySet<EventType> | null {
    return this.options.events;
  }

  /** A live event from the feed. */
  offer(event: DomainEvent): void {
    if (this.closed) return;
    if (this.catchUp.admits(event)) this.accept(event, false);
    else if (this.catchUp.waiting > this.limits.maxBacklog) this.closeRateLimited();
  }

  /** The writer's socket filled up, or drained again. */
  backpressure(backedUp: boolean): void {
    if (backedUp) this.updateTicks();
    else this.drain();
  }

  /** Paces held events out, or checks a full socket; called while the host ticks this connection. */
  tick(): void {
    if (this.writer?.backedUp) this.checkStall();
    else this.drain();
  }

  /** Sends the error event (when given), then ends the stream. Idempotent. */
  close(reason: StreamCloseReason, error?: StreamError, how: { destroy?: boolean } = {}): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    // Once the headers are out (the writer is given at open), the client can read an error event.
    if (error) this.sendControl('error', error);
    if (how.destroy) this.writer?.destroy();
    else this.writer?.close();
    this.host.closed(this, reason);
    this.complete();
  }

  /** The client went away: stop without writing. */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.writer?.close();
    this.host.closed(this, 'client');
  }

  /** Sends a page of the replay; once it is sent, reads the next one. */
  private takePage(replay: Replay): void {
    if (this.closed) return;
    const { replayed, live } = this.catchUp.page(replay);
    for (const event of replayed) this.accept(event, true);
    for (const event of live) this.accept(event, false);
    this.readNextPageOnceSent();
  }

  private readNextPageOnceSent(): void {
    if (this.closed || !this.queue.isEmpty) return;
    const pageEnd = this.catchUp.sent();
    if (pageEnd === null) return;
    this.position.advanceTo(pageEnd);
    this.history.replay(pageEnd).then(
      (replay) => this.takePage(replay),
      () =>
        this.close('server', {
          code: 'CONNECTION_ERROR',
          message: 'The stream could not be read further: resume from the last event id',
          retry_after: jitteredRetry(),
        }),
    );
  }

  private accept(event: DomainEvent, fromReplay: boolean): void {
    if (this.closed) return;
    if (!this.selector.selects(event)) {
      if (this.queue.isEmpty) this.position.advanceTo(event.id);
      return;
    }
    const now = this.host.now();
    if (!this.writer?.backedUp && this.queue.mayPass(now)) {
      this.deliver(event, now);
    } else if (this.queue.hold(event, fromReplay)) {
      this.updateTicks();
    } else if ((this.writer?.stalledFor(now) ?? 0) > STALL_GRACE_MS) {
      // A socket that has been full for a while is a slow reader; otherwise the rate is to blame.
      this.closeSlowConsumer();
    } else {
      this.closeRateLimited();
    }
  }

  /** Sends what pacing and the socket allow now. */
  private drain(): void {
    if (this.closed) return;
    const now = this.host.now();
    while (!this.writer?.backedUp) {
      const event = this.queue.release(now);
      if (!event) break;
      this.deliver(event, now);
    }
    this.updateTicks();
    this.readNextPageOnceSent();
  }

  /**
   * Closes a reader whose socket has not drained for too long, or that holds too many bytes after
   * a grace period (any large frame fills a socket for a moment).
   */
  private checkStall(): void {
    const stalledFor = this.writer?.stalledFor(this.host.now()) ?? 0;
    const held = this.queue.liveBytes + (this.writer?.bufferedBytes ?? 0);
    const overBytes = stalledFor > STALL_GRACE_MS && held > this.limits.maxBufferedBytes;
    if (stalledFor > this.limits.stallTimeoutMs || overBytes) this.closeSlowConsumer();
  }

  private deliver(event: DomainEvent, now: number): void {
    this.writer?.write(eventFrame(event), now);
    this.position.advanceTo(event.id);
    this.host.delivered();
  }

  /** Asks for ticks while events are held or the socket is full. */
  private updateTicks(): void {
    const wanted = !this.closed && (!this.queue.isEmpty || this.writer?.backedUp === true);
    if (wanted === this.ticking) return;
    this.ticking = wanted;
    this.host.ticks(this, wanted);
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

  private closeRateLimited(): void {
    this.close('rate_limited', {
      code: 'RATE_LIMITED',
      message: `More than ${this.limits.maxEventsPerMinute} events a minute: resume from the last event id to receive the rest`,
      retry_after: this.queue.millisecondsToSend(this.host.now(), this.catchUp.waiting),
    });
  }

  private sendHeartbeat(): void {
    this.sendControl('heartbeat', {
      timestamp: new Date(this.host.now()).toISOString(),
      status: 'healthy',
      connection_id: this.id,
      // Tells a client how long silence may last before the connection is dead.
      interval_seconds: this.options.heartbeatSeconds,
    });
  }

  private sendControl(type: 'heartbeat' | 'error' | 'stream.reset', data: unknown): void {
    if (!this.writer) return;
    const caughtUp = !this.closed && this.catchUp.isLive && this.queue.isEmpty;
    this.writer.write(controlFrame(type, this.position.controlId(caughtUp), data), this.host.now());
  }
}
