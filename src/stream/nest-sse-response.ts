import { SSE_ABORT_CONTROLLER } from '@nestjs/common';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { Observable, Subscriber } from 'rxjs';
import { markEventStream } from '../common/event-stream-responses';
import { releaseRoutingState } from './routing-state';

/** One stream as its route sees it, from the handler's call until the response closes. */
export interface SseSession {
  /**
   * Calls `opened` once the headers are on the wire and the response is the caller's alone to
   * write to and end. Not called if the stream ends or fails first.
   */
  onOpen(opened: () => void): void;
  /** Before the stream opens, answers with this error's status through the exception filters. */
  fail(error: unknown): void;
  /** Ends the stream: the response ends once what was written has been sent. */
  end(): void;
}

/**
 * An `@Sse()` handler's observable whose stream is written straight to `response` with `headers`
 * (over Nest's own), and which lets go of Nest once the headers are out.
 *
 * This is the one place that leans on how @nestjs/core 11.2.10 serves an `@Sse()` route
 * (RouterResponseController.sse and SseStream; nest-sse-response.spec.ts fails if it
 * changes):
 * - after guards, pipes and the handler, it pipes an SseStream into the response (the public
 *   `'pipe'` event names it), then on the next macrotask calls `writeHead(status, headers)` once
 *   and writes a lone "\n", the signal that the headers are out;
 * - while the observable has not completed it holds the request, response, socket listeners, a
 *   timer, an AbortController and an RxJS chain (about 10 KB an idle stream, BENCHMARKS.md), and it
 *   ends the response when the observable completes, through the pipe.
 * So the lone "\n" is swallowed (the contract's first bytes are a `retry:` line), and once the
 * headers are out the SseStream is unpiped and the observable completed: Nest settles and frees
 * what it held (with what routing hung on the request, routing-state.ts), and the response stays
 * open for the caller. From then on the response's own
 * `'close'` event tells that the client left.
 *
 * `start` runs when Nest subscribes; the function it returns runs once, when the client leaves.
 */
export function nestSseResponse(
  response: ServerResponse,
  headers: OutgoingHttpHeaders,
  start: (session: SseSession) => () => void,
): Observable<never> {
  // Called from the handler: Nest pipes its SseStream into the response before it subscribes.
  const session = new NestSseSession(response, headers);
  return new Observable<never>((subscriber) => session.subscribed(subscriber, start));
}

/**
 * Why the request's AbortController is aborted at the handover. Nest would abort it with a
 * DOMException whose stack trace holds its closures for this request (the SseStream, the RxJS
 * chain) for as long as the request lives; a constant holds nothing.
 */
const HANDED_OVER = 'the stream was handed over once its headers were out';

class NestSseSession implements SseSession {
  private state: 'routing' | 'open' | 'ended' = 'routing';
  private source?: Readable;
  private subscriber?: Subscriber<never>;
  private opened?: () => void;
  private left?: () => void;

  constructor(
    private readonly response: ServerResponse,
    headers: OutgoingHttpHeaders,
  ) {
    const { writeHead, write } = response;
    response.once('pipe', (source: Readable) => (this.source = source));
    response.writeHead = ((status: number, nestHeaders?: OutgoingHttpHeaders) => {
      response.writeHead = writeHead;
      markEventStream(response);
      return writeHead.call(response, status, { ...nestHeaders, ...headers });
    }) as ServerResponse['writeHead'];
    response.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (chunk !== '\n')
        return (write as (...args: unknown[]) => boolean).call(response, chunk, ...rest);
      response.write = write;
      this.headersOut();
      return true;
    }) as ServerResponse['write'];
  }

  /**
   * Nest subscribes once the handler has returned. The teardown it gets runs when it unsubscribes,
   * which before the handover means that the client left.
   */
  subscribed(subscriber: Subscriber<never>, start: (session: SseSession) => () => void) {
    this.subscriber = subscriber;
    const leave = start(this);
    this.left = leave;
    return () => {
      if (this.state === 'routing') leave();
    };
  }

  onOpen(opened: () => void): void {
    if (this.state === 'open') opened();
    else this.opened = opened;
  }

  fail(error: unknown): void {
    if (this.state === 'routing') this.subscriber?.error(error);
  }

  end(): void {
    if (this.state === 'open') this.response.end();
    else this.subscriber?.complete();
    this.state = 'ended';
  }

  private headersOut(): void {
    if (this.state !== 'routing') return;
    this.state = 'open';
    this.source?.unpipe(this.response);
    this.source = undefined;
    const request = this.response.req as IncomingMessage & {
      [SSE_ABORT_CONTROLLER]?: AbortController;
    };
    const controller = request[SSE_ABORT_CONTROLLER];
    if (controller) {
      controller.abort(HANDED_OVER);
      // Cleared only where Nest made one: a new property would give the request another class.
      request[SSE_ABORT_CONTROLLER] = undefined;
    }
    releaseRoutingState(request, this.response);
    this.subscriber?.complete();
    this.subscriber = undefined;
    if (this.response.closed) this.left?.();
    // A response closes once; `once` would add a wrapper the stream keeps for its whole life.
    else this.response.on('close', () => this.left?.());
    this.opened?.();
    this.opened = undefined;
  }
}
