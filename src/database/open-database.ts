import { Logger } from '@nestjs/common';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect } from 'kysely';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Pool } from 'pg';
import { Database, DatabaseSchema } from './database.types';
import { dialectOf } from './dialect';
import { FairSqliteDialect } from './fair-sqlite-dialect';
import { migrationProvider } from './migrations';
import { withStatementCache } from './statement-cache';

const logger = new Logger('Database');

function openSqlite(url: string): Database {
  const file = url.slice('sqlite:'.length);
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  // Another process (the keys CLI) may hold the write lock for a moment.
  sqlite.pragma('busy_timeout = 5000');
  return new Kysely<DatabaseSchema>({
    dialect: new FairSqliteDialect({ database: withStatementCache(sqlite) }),
  });
}

function openPostgres(url: string): Database {
  const pool = new Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5000 });
  // An idle connection the server ends (a restart, a failover, pg_terminate_backend) is reported
  // here; unheard, it would crash the process. The pool opens a new one on the next query.
  pool.on('error', (error) => logger.warn(`An idle PostgreSQL connection ended: ${error.message}`));
  return new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }) });
}

/** Opens the database named by DATABASE_URL and brings its schema up to date. */
export async function openDatabase(url: string): Promise<Database> {
  const dialect = dialectOf(url);
  const db = dialect === 'sqlite' ? openSqlite(url) : openPostgres(url);
  const { error } = await new Migrator({
    db,
    provider: migrationProvider(dialect),
  }).migrateToLatest();
  if (error) {
    await db.destroy();
    throw error;
  }
  return db;
}
