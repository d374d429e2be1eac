import { Migration, MigrationProvider } from 'kysely';
import * as initial from './migrations/0001-initial';
import * as memorySearch from './migrations/0002-memory-search';

/** Versioned schema changes, applied in name order at boot. Append; never edit a shipped one. */
export const migrationProvider: MigrationProvider = {
  getMigrations: async (): Promise<Record<string, Migration>> => ({
    '0001-initial': initial,
    '0002-memory-search': memorySearch,
  }),
};
