import { Kysely } from 'kysely';

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

export interface DatabaseSchema {
  api_keys: ApiKeysTable;
  memories: MemoriesTable;
  memory_tags: MemoryTagsTable;
}

export type Database = Kysely<DatabaseSchema>;
