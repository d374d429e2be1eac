import { createParser } from 'eventsource-parser';
import { request as httpRequest, IncomingHttpHeaders, IncomingMessage } from 'node:http';

export interface SseEvent {
  event?: string;
  id?: string;
  data: string;
  /** `data` parsed as JSON. */
  json: Record<string, unknown>;
}

export interface SseStream {
  status: number;
  headers: IncomingHttpHeaders;
  /** Every event received so far, in order. */
  events: SseEvent[];
  /** Every `retry:` value received. */
  retries: number[];
  /** The raw body as received. */
  raw(): string;
  /** Resolves with the first event (past or future) matching, or rejects after `timeoutMs`. */
  waitFor(
    predicate: (event: SseEvent) => boolean,
    timeoutMs?: number,
    what?: string,
  ): Promise<SseEvent>;
  /** Resolves when the server ends the response. */
  ended: Promise<void>;
  /** Named events only, heartbeats left out. */
  dataEvents(): SseEvent[];
  close(): void;
}

export interface OpenOptions {
  headers?: Record<string, string>;
  /** Waits only for the status line and headers, not the first heartbeat. */
  headersOnly?: boolean;
}

/** A real streaming HTTP request parsed with a spec-compliant SSE parser. */
export function openStream(url: string, options: OpenOptions = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { Accept: 'text/event-stream', ...options.headers } });
    req.on('error', reject);
    req.on('response', (res: IncomingMessage) => {
      let raw = '';
      const events: SseEvent[] = [];
      const retries: number[] = [];
      const waiters = new Set<{
        predicate: (e: SseEvent) => boolean;
        resolve: (e: SseEvent) => void;
      }>();
      const parser = createParser({
        onEvent: (message) => {
          let json: Record<string, unknown> = {};
          try {
            json = JSON.parse(message.data) as Record<string, unknown>;
          } catch {
            // Not JSON: left empty, `data` still holds it.
          }
          const event: SseEvent = {
            event: message.event,
            id: message.id,
            data: message.data,
            json,
          };
          events.push(event);
          for (const waiter of [...waiters]) {
            if (waiter.predicate(event)) {
              waiters.delete(waiter);
              waiter.resolve(event);
            }
          }
        },
        onRetry: (ms) => retries.push(ms),
      });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
        parser.feed(chunk);
      });
      const ended = new Promise<void>((done) => {
        res.on('end', done);
        res.on('close', done);
        res.on('error', () => done());
      });
      const stream: SseStream = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        events,
        retries,
        raw: () => raw,
        ended,
        dataEvents: () => events.filter((e) => e.event !== 'heartbeat'),
        waitFor: (predicate, timeoutMs = 5000, what = 'an event') => {
          const found = events.find(predicate);
          if (found) return Promise.resolve(found);
          return new Promise((resolveEvent, rejectEvent) => {
            const waiter = {
              predicate,
              resolve: (event: SseEvent) => {
                clearTimeout(timer);
                resolveEvent(event);
              },
            };
            const timer = setTimeout(() => {
              waiters.delete(waiter);
              rejectEvent(
                new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; got:\n${raw}`),
              );
            }, timeoutMs);
            waiters.add(waiter);
          });
        },
        close: () => {
          req.destroy();
          res.destroy();
        },
      };
      if (options.headersOnly || stream.status !== 200) {
        resolve(stream);
        return;
      }
      stream
        .waitFor((e) => e.event === 'heartbeat', 5000, 'the first heartbeat')
        .then(() => resolve(stream), reject);
    });
    req.end();
  });
}

export const isType = (type: string) => (event: SseEvent) => event.event === type;
