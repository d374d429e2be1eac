import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Observable, Subscription } from 'rxjs';
import { Caller } from '../auth/caller';
import { AppConfig } from '../config/app-config';
import { EventFeed } from '../events/event-feed';
import { EventLog, Replay } from '../events/event-log';
import { DomainEvent } from '../events/event-map';
import { MetricsService } from '../metrics/metrics.service';
import { Audiences } from './audiences';
import { nestSseResponse, SseSession } from './nest-sse-response';
import { SseWriter } from './sse-writer';
import { jitteredRetry } from './reconnect-delay';
import {
  ConnectionHost,
  EventHistory,
  StreamConnection,
  StreamError,
  StreamLimits,
} from './stream-connection';
import { StreamOptions } from './stream-options';
import { StreamCloseReason } from './stream-reasons';
import { StreamClosed, StreamOpened } from './stream.notifications';

/** How often lagging connections are paced forward and stalled ones checked. */
const TICK_MS = 100;
const RETRY_MS = 3000;

/** Who a stream's log lines are about (never the key itself). */
const streamFields = ({ caller, id }: StreamConnection) => ({
  organization_id: caller.organizationId,
  user_id: caller.userId,
  connection_id: id,
});

/**
 * The contract's exact caching header (Nest's own is longer), and no keep-alive: a stream is never
 * followed by another request on its connection, and an idle kept-alive socket would hold up a
 * shutdown until its timeout.
 */
const STREAM_HEADERS = { 'Cache-Control': 'no-cache, no-transform', Connection: 'close' };

/** The stream's replay could not be read at all once the headers were out. */
const replayFailed = (): StreamError => ({
  code: 'CONNECTION_ERROR',
  message: 'The stream could not be read: resume from the last event id',
  retry_after: jitteredRetry(),
});

/**
 * Every open stream of this instance. Subscribes to the event feed once and hands each event to the
 * connections of its organization (all of them for global events): the event is encoded once,
 * whatever the number of subscribers.
 */
@Injectable()
export class StreamHub
  implements ConnectionHost, OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger(StreamHub.name);
  private readonly connections = new Set<StreamConnection>();
  private readonly audiences = new Audiences<StreamConnection>();
  /** Connections holding events back or facing a full socket. */
  private readonly ticked = new Set<StreamConnection>();
  private readonly limits: StreamLimits;
  private readonly history: EventHistory = {
    replay: (after) => this.log.replay(after),
    lastId: () => this.feed.lastId(),
  };
  private subscription?: Subscription;
  private ticker?: NodeJS.Timeout;

  constructor(
    private readonly feed: EventFeed,
    private readonly log: EventLog,
    private readonly metrics: MetricsService,
    private readonly notifications: EventEmitter2,
    config: AppConfig,
  ) {
    const { maxEventsPerMinute, maxBacklog, maxBufferedBytes, stallTimeoutMs } = config.stream;
    this.limits = {
      maxEventsPerMinute,
      maxBacklog,
      maxBufferedBytes,
      stallTimeoutMs,
      retryMs: RETRY_MS,
    };
  }

  onModuleInit(): void {
    this.subscription = this.feed.events$.subscribe((event) => this.dispatch(event));
  }

  /**
   * The stream of one connection, as the @Sse handler returns it. Frames go straight to the
   * response; the connection is torn down when the client leaves.
   */
  open(
    caller: Caller,
    options: StreamOptions,
    response: ServerResponse,
    resumeFrom: string | undefined,
  ): Observable<never> {
    return nestSseResponse(response, STREAM_HEADERS, (session) => {
      const connection = new StreamConnection(
        caller,
        options,
        this.limits,
        this.history,
        this,
        () => session.end(),
      );
      this.add(connection);
      this.replayOnOpen(connection, session, response, resumeFrom);
      return () => connection.dispose();
    });
  }

  /**
   * Reads the replay at once and starts the connection with it once the headers are out. Its own
   * function, so that the closures the stream keeps for its whole life do not hold the replay.
   */
  private replayOnOpen(
    connection: StreamConnection,
    session: SseSession,
    response: ServerResponse,
    resumeFrom: string | undefined,
  ): void {
    const replay = this.log.replay(resumeFrom);
    // A failed replay before the headers are out still gets its real status from the filters.
    replay.catch((error: unknown) => session.fail(error));
    session.onOpen(() => {
      const writer = new SseWriter(response, connection);
      replay.then(
        (result) => this.opened(connection, writer, result, resumeFrom),
        () => connection.close('server', replayFailed()),
      );
    });
  }

  /** Key ids that have at least one open stream here. */
  keyIds(): Set<string> {
    return new Set([...this.connections].map((c) => c.caller.keyId));
  }

  closeKeys(keyIds: ReadonlySet<string>, error: StreamError): void {
    for (const connection of [...this.connections]) {
      if (keyIds.has(connection.caller.keyId)) connection.close('revoked', error);
    }
  }

  /** Ends every stream, each with its own error event. */
  closeAll(reason: StreamCloseReason, error: (connection: StreamConnection) => StreamError): void {
    for (const connection of [...this.connections]) connection.close(reason, error(connection));
  }

  /** Open streams of one organization on this instance. */
  openConnectionsOf(organizationId: string): number {
    return this.audiences.sizeOf(organizationId);
  }

  now(): number {
    return Date.now();
  }

  ticks(connection: StreamConnection, wanted: boolean): void {
    if (wanted) this.ticked.add(connection);
    else this.ticked.delete(connection);
  }

  delivered(): void {
    this.metrics.countDelivered(1);
  }

  closed(connection: StreamConnection, reason: StreamCloseReason): void {
    this.connections.delete(connection);
    this.ticked.delete(connection);
    this.audiences.delete(connection);
    if (this.connections.size === 0) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
    this.metrics.openStreams.set(this.connections.size);
    this.metrics.streamsClosed.inc({ reason });
    this.logger.log({ ...streamFields(connection), reason }, 'stream closed');
    const { organizationId, userId } = connection.caller;
    this.notifications.emit(
      StreamClosed.event,
      new StreamClosed(organizationId, userId, connection.id),
    );
  }

  /** Before the server stops listening: every stream is told to come back, at staggered times. */
  beforeApplicationShutdown(): void {
    this.closeAll('shutdown', () => ({
      code: 'CONNECTION_ERROR',
      message: 'The server is restarting',
      retry_after: jitteredRetry(),
    }));
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
    clearInterval(this.ticker);
  }

  private opened(
    connection: StreamConnection,
    writer: SseWriter,
    replay: Replay,
    resumeFrom: string | undefined,
  ): void {
    if (replay.reset) this.metrics.resets.inc({ reason: replay.reset.reason });
    else if (resumeFrom !== undefined) this.metrics.replays.inc();
    connection.open(writer, replay, resumeFrom);
    this.logger.log(streamFields(connection), 'stream opened');
    const { organizationId, userId } = connection.caller;
    this.notifications.emit(
      StreamOpened.event,
      new StreamOpened(organizationId, userId, connection.id),
    );
  }

  private add(connection: StreamConnection): void {
    this.connections.add(connection);
    this.audiences.add(connection);
    this.ticker ??= setInterval(() => this.tick(), TICK_MS).unref();
    this.metrics.openStreams.set(this.connections.size);
  }

  private dispatch(event: DomainEvent): void {
    this.metrics.busLag.observe((Date.now() - event.publishedAt) / 1000);
    for (const group of this.audiences.groupsOf(event)) {
      for (const connection of group) connection.offer(event);
    }
  }

  private tick(): void {
    for (const connection of this.ticked) connection.tick();
  }
}
