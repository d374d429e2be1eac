import type { EventSourceMessage } from 'eventsource-parser';
import { Backoff } from './backoff';
import type { Clock } from './clock';
import { EventQueue } from './event-queue';
import { MemoryStreamError } from './memory-stream-error';
import { AttemptEnd, runAttempt } from './stream-attempt';
import type { EventType } from './event-data';
import type {
  DataEvent,
  HeartbeatEvent,
  OpenEvent,
  ResetEvent,
  StreamEvent,
} from './stream-events';
import { Watchdog } from './watchdog';

/** What each `.on(type, handler)` receives. */
export type StreamEventMap = { [K in EventType]: DataEvent<K> } & {
  open: OpenEvent;
  heartbeat: HeartbeatEvent;
  reset: ResetEvent;
  error: MemoryStreamError;
};

export type StreamEventName = keyof StreamEventMap;

export type ReadyState = 'connecting' | 'open' | 'closed';

/** What a stream needs to (re)connect; built by MemoryClient. */
export interface StreamTarget {
  url: string;
  headers: Record<string, string>;
  /**
   * Seconds between the server's heartbeats until a heartbeat says otherwise: silence for twice
   * as long means a dead connection.
   */
  heartbeatSeconds: number;
  /** Resume after this id on the first connect. */
  lastEventId?: string;
  clock: Clock;
}

type Handler = (event: never) => void;

/** 4xx refusals other than these would fail the same way again. */
const RETRIABLE_STATUSES = new Set([408, 425, 429]);

/** An HTTP refusal as the error the user sees; fatal unless retrying can help. */
function refusalError(end: Extract<AttemptEnd, { kind: 'refused' }>): MemoryStreamError {
  const fatal =
    end.code === 'AUTH_ERROR' ||
    end.code === 'INVALID_RESPONSE' ||
    (end.status < 500 && !RETRIABLE_STATUSES.has(end.status));
  return new MemoryStreamError(end.code, end.message, fatal, end.retryAfter, end.status);
}

/** Silence for this many heartbeat intervals means the connection is dead. */
const SILENT_INTERVALS = 2;

/**
 * A live subscription to GET /api/v1/stream. Connects at once and keeps reconnecting (backoff with
 * jitter, or the server's `retry_after`), each time resuming from the last id it saw, until
 * `close()` or an error that retrying cannot fix (`AUTH_ERROR`, a bad request).
 */
export class MemoryStream implements AsyncIterable<StreamEvent> {
  private state: ReadyState = 'connecting';
  private lastId?: string;
  private readonly backoff = new Backoff();
  private readonly watchdog: Watchdog;
  private readonly handlers = new Map<StreamEventName, Set<Handler>>();
  private readonly queues = new Set<EventQueue<StreamEvent>>();
  private attempt?: AbortController;
  private wakeUp?: () => void;
  /** The server's error event on the current connection, which says how long to wait. */
  private serverError?: MemoryStreamError;
  private silent = false;
  private fatalError?: MemoryStreamError;
  private heartbeatSeconds: number;

  constructor(private readonly target: StreamTarget) {
    this.lastId = target.lastEventId;
    this.heartbeatSeconds = target.heartbeatSeconds;
    this.watchdog = new Watchdog(
      this.silenceLimitMs(),
      () => {
        this.silent = true;
        this.attempt?.abort();
      },
      target.clock,
    );
    void this.run();
  }

  get readyState(): ReadyState {
    return this.state;
  }

  /** The id a reconnect resumes from: the last one received, heartbeats' included. */
  get lastEventId(): string | undefined {
    return this.lastId;
  }

  on<K extends StreamEventName>(type: K, handler: (event: StreamEventMap[K]) => void): this {
    const set = this.handlers.get(type) ?? new Set<Handler>();
    set.add(handler as Handler);
    this.handlers.set(type, set);
    return this;
  }

  off<K extends StreamEventName>(type: K, handler: (event: StreamEventMap[K]) => void): this {
    this.handlers.get(type)?.delete(handler as Handler);
    return this;
  }

  /** Stops for good and releases the connection at once. Ends every `for await` loop. */
  close(): void {
    this.stop();
  }

  /**
   * Yields data events and `reset`s from now on. Leaving the loop early closes the stream; an
   * error that stops the stream for good is thrown from the loop.
   */
  [Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    const queue = new EventQueue<StreamEvent>(() => {
      this.queues.delete(queue);
      this.close();
    });
    if (this.fatalError) queue.fail(this.fatalError);
    else if (this.state === 'closed') queue.end();
    else this.queues.add(queue);
    return queue;
  }

  private async run(): Promise<void> {
    while (this.state !== 'closed') {
      this.attempt = new AbortController();
      this.serverError = undefined;
      this.silent = false;
      this.watchdog.kick();
      const end = await runAttempt(this.target.url, this.requestHeaders(), this.attempt.signal, {
        onOpen: () => this.opened(),
        onActivity: () => this.watchdog.kick(),
        onEvent: (message) => this.received(message),
        onRetry: (ms) => (this.backoff.baseMs = ms),
        now: () => this.target.clock.now(),
      });
      this.watchdog.stop();
      if (this.isClosed()) return;
      const error = this.serverError ?? this.errorFor(end);
      // Closed before a fatal error is told, so its handler sees the stream as it will stay.
      if (error.fatal) this.stop(error);
      else this.state = 'connecting';
      if (error !== this.serverError) this.emit('error', error);
      if (this.isClosed()) return; // Fatal, or an error handler closed the stream.
      await this.sleep(error.retryAfter ?? this.backoff.next());
    }
  }

  /** A method, not a field test: close() may have run while the attempt was awaited. */
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private requestHeaders(): Record<string, string> {
    const headers = { ...this.target.headers, Accept: 'text/event-stream' };
    return this.lastId === undefined ? headers : { ...headers, 'Last-Event-ID': this.lastId };
  }

  private opened(): void {
    this.state = 'open';
    this.backoff.reset();
    this.emit('open', { type: 'open' });
  }

  private silenceLimitMs(): number {
    return this.heartbeatSeconds * SILENT_INTERVALS * 1000;
  }

  /** Each heartbeat says the interval, which the server may have set other than asked. */
  private heartbeat(event: HeartbeatEvent): void {
    const seconds = event.data.interval_seconds;
    if (typeof seconds === 'number' && seconds > 0) {
      this.heartbeatSeconds = seconds;
      this.watchdog.setTimeoutMs(this.silenceLimitMs());
    }
    this.emit('heartbeat', event);
  }

  private errorFor(end: AttemptEnd): MemoryStreamError {
    if (end.kind === 'refused') return refusalError(end);
    if (this.silent) {
      const seconds = this.heartbeatSeconds * SILENT_INTERVALS;
      return new MemoryStreamError('HEARTBEAT_TIMEOUT', `Nothing received for ${seconds} s`, false);
    }
    const message =
      end.kind === 'ended'
        ? 'The server ended the stream'
        : `The connection failed: ${String((end.error as Error)?.message ?? end.error)}`;
    return new MemoryStreamError('NETWORK_ERROR', message, false);
  }

  private received(message: EventSourceMessage): void {
    // An empty `id:` clears the resume point, as in EventSource.
    if (message.id !== undefined) this.lastId = message.id || undefined;
    const id = message.id ?? '';
    let data: unknown;
    try {
      data = JSON.parse(message.data);
    } catch {
      return; // Every event of this API carries JSON; anything else is not ours to interpret.
    }
    switch (message.event) {
      case undefined:
      case 'message':
        return;
      case 'heartbeat':
        this.heartbeat({ type: 'heartbeat', id, data } as HeartbeatEvent);
        return;
      case 'stream.reset':
        this.deliver({ type: 'reset', id, data } as ResetEvent);
        return;
      case 'error':
        this.serverFailed(data as { code?: string; message?: string; retry_after?: number });
        return;
      default:
        this.deliver({ type: message.event, id, data } as DataEvent);
    }
  }

  /** The server's last word before it closes: wait as it says, or stop on AUTH_ERROR. */
  private serverFailed(data: { code?: string; message?: string; retry_after?: number }): void {
    const code = data.code ?? 'CONNECTION_ERROR';
    const retryAfter = typeof data.retry_after === 'number' ? data.retry_after : undefined;
    const fatal = code === 'AUTH_ERROR';
    this.serverError = new MemoryStreamError(code, data.message ?? code, fatal, retryAfter);
    if (fatal) this.stop(this.serverError);
    this.emit('error', this.serverError);
  }

  private deliver(event: StreamEvent): void {
    this.emit(event.type, event as never);
    for (const queue of this.queues) queue.push(event);
  }

  private emit<K extends StreamEventName>(type: K, event: StreamEventMap[K]): void {
    for (const handler of [...(this.handlers.get(type) ?? [])]) {
      try {
        (handler as (event: StreamEventMap[K]) => void)(event);
      } catch (error) {
        // As EventTarget does: report it, and keep the stream and the other handlers going.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    const { clock } = this.target;
    return new Promise((resolve) => {
      const timer = clock.setTimeout(resolve, ms);
      this.wakeUp = () => {
        clock.clearTimeout(timer);
        resolve();
      };
    });
  }

  private stop(error?: MemoryStreamError): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.fatalError = error;
    this.watchdog.stop();
    this.attempt?.abort();
    this.wakeUp?.();
    for (const queue of this.queues) {
      if (error) queue.fail(error);
      else queue.end();
    }
    this.queues.clear();
  }
}
