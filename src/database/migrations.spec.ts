import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSchema } from './database.types';
import { migrationProvider } from './migrations';
import { openDatabase } from './open-database';

describe('migrations', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'mnemo-migrate-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('upgrades a database of the version before the event log in place, keeping its memories', async () => {
    const file = join(dir, 'mnemo.db');
    const old = new Kysely<DatabaseSchema>({
      dialect: new SqliteDialect({ database: new BetterSqlite3(file) }),
    });
    const { error } = await new Migrator({
      db: old,
      provider: migrationProvider('sqlite'),
    }).migrateTo('0003-memory-tags');
    expect(error).toBeUndefined();
    const at = '2026-11-01T00:00:00.000Z';
    await old
      .insertInto('memories')
      .values({
        id: 'mem_0000000000000001',
        organization_id: 'acme',
        title: null,
        content: 'kept across the upgrade',
        memory_type: 'context',
        tags: '["kept"]',
        metadata: '{}',
        created_at: at,
        created_by: 'alice',
        updated_at: at,
        updated_by: 'alice',
      })
      .execute();
    await old.destroy();

    const db = await openDatabase(`sqlite:${file}`);
    try {
      const memories = await db.selectFrom('memories').select(['id', 'content']).execute();
      expect(memories).toEqual([
        { id: 'mem_0000000000000001', content: 'kept across the upgrade' },
      ]);
      const log = await db.selectFrom('event_log').select('epoch').executeTakeFirstOrThrow();
      expect(Number(log.epoch)).toBeGreaterThan(0);
      expect(await db.selectFrom('events').selectAll().execute()).toEqual([]);
    } finally {
      await db.destroy();
    }
  });
});
