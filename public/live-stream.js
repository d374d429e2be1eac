import { createParser } from './vendor/eventsource-parser.js';

/** The stream's named events that carry data for the page. */
export const DATA_EVENT_TYPES = [
  'memory.created',
  'memory.updated',
  'memory.deleted',
  'search.performed',
  'user.activity',
  'system.health',
  'analytics.update',
];

const BASE_DELAY_MS = 1000;
const MAX_DELAY_MS = 30000;
/** The stream's default heartbeat; its data may name another. */
const HEARTBEAT_SECONDS = 30;
/** Heartbeats that may go missing before the connection counts as dead. */
const MISSED_HEARTBEATS = 2.5;
/** Refusals that would fail again the same way: stop and say why. */
const FATAL_STATUSES = new Set([400, 401, 403, 406]);
/** Sent in-band by the server once the stream is open: its status was 200. */
const IN_BAND = 200;

/** Seconds from a `Retry-After` header (seconds or an HTTP date), as milliseconds. */
function retryAfterMs(header) {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/** The error object of a refusal: JSON, or framed as an SSE `error` event for SSE clients. */
async function refusalBody(response) {
  const text = await response.text().catch(() => '');
  let body = {};
  const parser = createParser({
    onEvent: (event) => {
      if (event.event === 'error') body = JSON.parse(event.data);
    },
  });
  try {
    if (response.headers.get('Content-Type')?.startsWith('text/event-stream')) parser.feed(text);
    else body = JSON.parse(text);
  } catch {
    // Not what the server sends: the status alone says what happened.
  }
  return body;
}

class Refused extends Error {
  constructor(status, body, retryMs) {
    super(body.message ?? `HTTP ${status}`);
    this.fatal = FATAL_STATUSES.has(status) || body.code === 'AUTH_ERROR';
    this.retryMs = retryMs;
  }
}

/**
 * The stream for a browser, read with `fetch` rather than `EventSource`: the key goes in a header,
 * a refusal's status, message and `Retry-After` can be read (EventSource hides them, and retries on
 * its own), and each reconnect is the page's own, resuming with `Last-Event-ID`.
 *
 * States: connecting, live, reconnecting (a dropped connection), waiting (the server said when to
 * come back), stopped (refused for good), idle (the user disconnected).
 */
export class LiveStream {
  #key;
  #on;
  #abort = null;
  #lastEventId = '';
  #failures = 0;
  #timer = null;
  #watchdog = null;
  #heartbeatSeconds = HEARTBEAT_SECONDS;
  #stopped = false;

  /** `on`: { event(type, id, data), state(state, { message, retryAt }) }. */
  constructor(apiKey, on) {
    this.#key = apiKey;
    this.#on = on;
  }

  start() {
    void this.#run();
  }

  /** The user's own disconnect: not an error. */
  close() {
    this.#halt();
    this.#on.state('idle', {});
  }

  #stop(message) {
    this.#halt();
    this.#on.state('stopped', { message });
  }

  #halt() {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#watchdog);
    this.#abort?.abort();
  }

  async #run() {
    this.#on.state(this.#lastEventId ? 'reconnecting' : 'connecting', {});
    const abort = new AbortController();
    this.#abort = abort;
    try {
      await this.#read(abort.signal);
      if (!this.#stopped) this.#retryLater('The server closed the stream', null);
    } catch (error) {
      if (this.#stopped) return;
      if (error instanceof Refused) {
        if (error.fatal) this.#stop(error.message);
        else this.#retryLater(error.message, error.retryMs);
      } else {
        this.#retryLater(`Connection lost (${error.message})`, null);
      }
    } finally {
      clearTimeout(this.#watchdog);
    }
  }

  async #read(signal) {
    const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${this.#key}` };
    if (this.#lastEventId) headers['Last-Event-ID'] = this.#lastEventId;
    const response = await fetch('api/v1/stream', { headers, signal, cache: 'no-store' });
    if (!response.ok) {
      const body = await refusalBody(response);
      throw new Refused(response.status, body, retryAfterMs(response.headers.get('Retry-After')));
    }
    this.#failures = 0;
    this.#on.state('live', {});
    let serverError = null;
    const parser = createParser({
      onEvent: (event) => {
        if (event.id) this.#lastEventId = event.id;
        const data = JSON.parse(event.data);
        if (event.event === 'error') serverError = data;
        else this.#received(event.event, event.id ?? '', data);
      },
    });
    this.#armWatchdog();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      this.#armWatchdog();
      parser.feed(value);
    }
    // The server's own `error` event, sent just before it closes the stream.
    if (serverError) throw new Refused(IN_BAND, serverError, serverError.retry_after ?? null);
  }

  #received(type, id, data) {
    if (type === 'heartbeat' && Number.isFinite(data.interval_seconds)) {
      this.#heartbeatSeconds = data.interval_seconds;
    }
    this.#on.event(type, id, data);
  }

  /** Without a byte for a few heartbeats, the connection is dead even if no error said so. */
  #armWatchdog() {
    clearTimeout(this.#watchdog);
    this.#watchdog = setTimeout(
      () => this.#abort?.abort(new Error('no heartbeat')),
      this.#heartbeatSeconds * MISSED_HEARTBEATS * 1000,
    );
  }

  /** The server's delay when it gave one; otherwise exponential backoff with full jitter. */
  #retryLater(message, serverDelayMs) {
    const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** this.#failures);
    this.#failures = Math.min(this.#failures + 1, 16);
    const delay = serverDelayMs ?? Math.random() * ceiling;
    const retryAt = Date.now() + delay;
    this.#on.state(serverDelayMs > 0 ? 'waiting' : 'reconnecting', {
      message,
      retryAt,
    });
    this.#timer = setTimeout(() => void this.#run(), delay);
  }
}
