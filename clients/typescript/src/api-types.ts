/** The REST API's shapes, as the README documents them (snake_case, as on the wire). */

export type MemoryType =
  'context' | 'project' | 'knowledge' | 'reference' | 'personal' | 'workflow';

export interface Memory {
  id: string;
  title: string | null;
  content: string;
  memory_type: MemoryType;
  tags: string[];
  metadata: Record<string, unknown>;
  organization_id: string;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
}

export interface CreateMemoryInput {
  content: string;
  title?: string | null;
  memory_type?: MemoryType;
  tags?: string[];
  metadata?: Record<string, unknown>;
}

/** Only the fields given change; `title: null` clears the title. */
export type UpdateMemoryInput = Partial<CreateMemoryInput>;

export interface ListMemoriesOptions {
  /** Not together with `cursor`. */
  page?: number;
  limit?: number;
  /** `next_cursor` of the previous page. */
  cursor?: string;
  memory_type?: MemoryType;
  /** Memories holding every tag given. */
  tags?: string[];
  created_by?: string;
}

export interface MemoryList {
  data: Memory[];
  pagination: {
    total: number;
    limit: number;
    page: number | null;
    has_more: boolean;
    next_cursor: string | null;
  };
  /** The event id at which this list holds: `createStream({ lastEventId })` from it misses nothing. */
  stream_position: string;
}

export interface SearchOptions {
  query: string;
  limit?: number;
  memory_types?: MemoryType[];
  tags?: string[];
  /** Metadata equality. */
  filters?: Record<string, string | number | boolean>;
  /** 0..1: drops results scoring under it. */
  threshold?: number;
}

export interface SearchHit extends Memory {
  relevance_score: number;
}

export interface SearchResponse {
  results: SearchHit[];
  total_results: number;
  search_time_ms: number;
  /** The event id at which these results hold, as for a list. */
  stream_position: string;
}

export interface StreamTicket {
  ticket: string;
  expires_at: string;
}
