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

/**
 * The stream for a browser. EventSource cannot send headers, so each connection redeems a
 * single-use ticket bought with the key. When the connection drops, the browser's own retry comes
 * back with Last-Event-ID but with the spent ticket, gets 401 and gives up (readyState CLOSED):
 * then a fresh ticket opens a new EventSource resuming from the last id seen (`last_event_id`).
 */
export class LiveStream {
  #key;
  #on;
  #source = null;
  #lastEventId = '';
  #failures = 0;
  /** When the server's error event asked to come back (its retry_after). */
  #retryAt = null;
  #timer = null;
  #stopped = false;

  /** `on`: { event(type, id, data), state(state, detail) }. */
  constructor(apiKey, on) {
    this.#key = apiKey;
    this.#on = on;
  }

  start() {
    void this.#open();
  }

  stop(detail = '') {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#source?.close();
    this.#source = null;
    this.#on.state('stopped', detail);
  }

  async #open() {
    this.#on.state(this.#lastEventId ? 'reconnecting' : 'connecting', '');
    let ticket;
    try {
      const response = await fetch('api/v1/stream/tickets', {
        method: 'POST',
        headers: { Authorization: `Bearer ${this.#key}` },
      });
      const body = await response.json().catch(() => ({}));
      if (response.status === 401 || response.status === 403) {
        this.stop(`The key was refused: ${body.message ?? response.status}`);
        return;
      }
      if (!response.ok) throw new Error(body.message ?? `HTTP ${response.status}`);
      ticket = body.ticket;
    } catch (error) {
      this.#retryLater(`No stream ticket (${error.message})`);
      return;
    }
    if (this.#stopped) return;
    const query = new URLSearchParams({ ticket });
    if (this.#lastEventId) query.set('last_event_id', this.#lastEventId);
    const source = new EventSource(`api/v1/stream?${query}`);
    this.#source = source;
    source.addEventListener('open', () => {
      this.#failures = 0;
      this.#retryAt = null;
      this.#on.state('live', '');
    });
    for (const type of [...DATA_EVENT_TYPES, 'heartbeat', 'stream.reset']) {
      source.addEventListener(type, (event) => {
        if (source !== this.#source) return;
        this.#lastEventId = event.lastEventId || this.#lastEventId;
        this.#on.event(type, event.lastEventId, JSON.parse(event.data));
      });
    }
    source.addEventListener('error', (event) => this.#failed(source, event));
  }

  #failed(source, event) {
    if (source !== this.#source) return;
    if (event instanceof MessageEvent) {
      // The server's own `error` event, sent just before it closes the stream.
      const error = JSON.parse(event.data);
      this.#lastEventId = event.lastEventId || this.#lastEventId;
      if (error.code === 'AUTH_ERROR') {
        this.stop(`Stream closed: ${error.message}`);
        return;
      }
      this.#retryAt = Date.now() + (error.retry_after ?? 0);
      this.#on.state('reconnecting', error.message);
      return;
    }
    if (source.readyState === EventSource.CLOSED) {
      source.close();
      this.#source = null;
      this.#retryLater('');
    } else {
      this.#on.state('reconnecting', 'Connection lost: retrying');
    }
  }

  /** Exponential backoff with full jitter, or the server's retry_after when it gave one. */
  #retryLater(detail) {
    if (this.#stopped) return;
    const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** this.#failures);
    this.#failures = Math.min(this.#failures + 1, 16);
    const delay =
      this.#retryAt === null ? Math.random() * ceiling : Math.max(0, this.#retryAt - Date.now());
    this.#retryAt = null;
    this.#on.state('reconnecting', detail);
    this.#timer = setTimeout(() => void this.#open(), delay);
  }
}
