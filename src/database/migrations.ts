import { Migration, MigrationProvider } from 'kysely';
import { DatabaseDialect } from './dialect';
import * as initial from './migrations/0001-initial';
import * as memorySearchPostgres from './migrations/0002-memory-search.postgres';
import * as memorySearchSqlite from './migrations/0002-memory-search.sqlite';
import * as memoryTagsPostgres from './migrations/0003-memory-tags.postgres';
import * as memoryTagsSqlite from './migrations/0003-memory-tags.sqlite';
import * as eventLogPostgres from './migrations/0004-event-log.postgres';
import * as eventLogSqlite from './migrations/0004-event-log.sqlite';
import * as revokedKeys from './migrations/0005-revoked-keys';

/**
 * Versioned schema changes, applied in name order at boot. Append; never edit a shipped one. A
 * change that needs each engine's own SQL has one file per dialect under one name.
 */
export function migrationProvider(dialect: DatabaseDialect): MigrationProvider {
  return {
    getMigrations: async (): Promise<Record<string, Migration>> => ({
      '0001-initial': initial,
      '0002-memory-search': dialect === 'sqlite' ? memorySearchSqlite : memorySearchPostgres,
      '0003-memory-tags': dialect === 'sqlite' ? memoryTagsSqlite : memoryTagsPostgres,
      '0004-event-log': dialect === 'sqlite' ? eventLogSqlite : eventLogPostgres,
      '0005-revoked-keys': revokedKeys,
    }),
  };
}
