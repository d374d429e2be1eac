import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../../src/database/database.types';
import { openDatabase } from '../../src/database/open-database';

export interface TempDatabase {
  db: Database;
  /** The SQLite file, for a second, raw connection. */
  file: string;
  close(): Promise<void>;
}

/** A migrated SQLite database in a fresh folder, removed on close. */
export async function openTempDatabase(): Promise<TempDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-unit-'));
  const file = join(dir, 'mnemo.db');
  const db = await openDatabase(`sqlite:${file}`);
  let closed = false;
  return {
    db,
    file,
    close: async () => {
      if (closed) return;
      closed = true;
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
