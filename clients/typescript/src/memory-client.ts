import type {
  CreateMemoryInput,
  ListMemoriesOptions,
  Memory,
  MemoryList,
  SearchOptions,
  SearchResponse,
  StreamTicket,
  UpdateMemoryInput,
} from './api-types';
import { Clock, systemClock } from './clock';
import { MemoryApiError } from './memory-api-error';
import { MemoryStream } from './memory-stream';
import type { EventType } from './event-data';

export interface MemoryClientOptions {
  apiKey: string;
  /** Where the service runs, such as `http://localhost:3000`. */
  baseUrl: string;
  /** The time streams read and their timers (backoff, watchdog); tests pass a fake clock. */
  clock?: Clock;
}

export interface CreateStreamOptions {
  /** Types to receive; every type when left out. */
  events?: EventType[];
  /** Field equality on `data` or `data.metadata`; every filter must match. */
  filters?: Record<string, string | number | boolean | null>;
  /** Seconds between heartbeats (the server's default is 30); each heartbeat says the interval. */
  heartbeat?: number;
  /** Resume after this id, as from an earlier stream's `lastEventId`. */
  lastEventId?: string;
}

type Query = Record<string, string | number | undefined>;

/** The server's default, assumed until the first heartbeat tells the real interval. */
const DEFAULT_HEARTBEAT_SECONDS = 30;

/** The mnemo API: memories, search, and the real-time stream. Works in Node 20+ and browsers. */
export class MemoryClient {
  private readonly apiKey: string;
  private readonly baseUrl: string;
  private readonly clock: Clock;

  constructor(options: MemoryClientOptions) {
    if (!options.apiKey) throw new TypeError('MemoryClient needs an apiKey');
    this.apiKey = options.apiKey;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.clock = options.clock ?? systemClock;
  }

  createMemory(input: CreateMemoryInput): Promise<Memory> {
    return this.request('POST', '/memories', { body: input });
  }

  /** Newest first; pass `pagination.next_cursor` back as `cursor` for the next page. */
  listMemories(options: ListMemoriesOptions = {}): Promise<MemoryList> {
    const { tags, ...rest } = options;
    return this.request('GET', '/memories', { query: { ...rest, tags: tags?.join(',') } });
  }

  getMemory(id: string): Promise<Memory> {
    return this.request('GET', `/memories/${encodeURIComponent(id)}`);
  }

  updateMemory(id: string, changes: UpdateMemoryInput): Promise<Memory> {
    return this.request('PATCH', `/memories/${encodeURIComponent(id)}`, { body: changes });
  }

  /** `reason` is carried by the memory.deleted event (default `user_request`). */
  async deleteMemory(id: string, options: { reason?: string } = {}): Promise<void> {
    await this.request('DELETE', `/memories/${encodeURIComponent(id)}`, { query: options });
  }

  searchMemories(options: SearchOptions): Promise<SearchResponse> {
    return this.request('POST', '/memories/search', { body: options });
  }

  /** A single-use ticket for a browser's EventSource (`/api/v1/stream?ticket=`), valid 60 s. */
  createStreamTicket(): Promise<StreamTicket> {
    return this.request('POST', '/stream/tickets');
  }

  /** Opens the real-time stream; it connects at once and reconnects by itself until closed. */
  createStream(options: CreateStreamOptions = {}): MemoryStream {
    const query = new URLSearchParams();
    if (options.events) query.set('events', options.events.join(','));
    if (options.filters) query.set('filters', JSON.stringify(options.filters));
    if (options.heartbeat !== undefined) query.set('heartbeat', String(options.heartbeat));
    const search = query.toString() ? `?${query}` : '';
    return new MemoryStream({
      url: `${this.baseUrl}/api/v1/stream${search}`,
      headers: { Authorization: `Bearer ${this.apiKey}` },
      heartbeatSeconds: options.heartbeat ?? DEFAULT_HEARTBEAT_SECONDS,
      lastEventId: options.lastEventId,
      clock: this.clock,
    });
  }

  private async request<T>(
    method: string,
    path: string,
    { query, body }: { query?: Query; body?: unknown } = {},
  ): Promise<T> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) params.set(name, String(value));
    }
    const search = params.toString() ? `?${params}` : '';
    const headers: Record<string, string> = { Authorization: `Bearer ${this.apiKey}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${this.baseUrl}/api/v1${path}${search}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    if (!response.ok) throw apiError(response, text);
    return JSON.parse(text) as T;
  }
}

function apiError(response: Response, text: string): MemoryApiError {
  let body: { code?: string; message?: string; request_id?: string; details?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Not the API's error body (a proxy's page, say): the status speaks for itself.
  }
  return new MemoryApiError(
    response.status,
    body.code ?? `HTTP_${response.status}`,
    body.message ?? `${response.status} ${response.statusText}`.trim(),
    body.request_id ?? response.headers.get('x-request-id') ?? undefined,
    body.details,
  );
}
