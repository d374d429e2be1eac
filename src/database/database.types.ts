import { ColumnType, Kysely } from 'kysely';

export interface ApiKeysTable {
  id: string;
  organization_id: string;
  user_id: string;
  scopes: string;
  secret_hash: string;
  created_at: string;
  revoked_at: string | null;
}

export interface MemoriesTable {
  id: string;
  organization_id: string;
  title: string | null;
  content: string;
  memory_type: string;
  tags: string;
  metadata: string;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
}

export interface MemoryTagsTable {
  memory_id: string;
  tag: string;
}

/** Numbers that PostgreSQL's bigint columns return as strings. */
type BigInteger = ColumnType<number | string, number, number | string>;

export interface EventLogTable {
  id: number;
  epoch: BigInteger;
}

export interface EventsTable {
  /** Given by the database as the event is inserted (migration 0004). */
  position: ColumnType<number | string, never, never>;
  type: string;
  organization_id: string | null;
  /** The event's payload as JSON text. */
  data: string;
  published_at: BigInteger;
  /** Bytes of `data`, for retention by size. */
  size: number;
}

export interface DatabaseSchema {
  api_keys: ApiKeysTable;
  memories: MemoriesTable;
  memory_tags: MemoryTagsTable;
  event_log: EventLogTable;
  events: EventsTable;
}

export type Database = Kysely<DatabaseSchema>;
