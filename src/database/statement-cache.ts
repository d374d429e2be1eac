import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Distinct SQL texts kept compiled; queries differ only in their bound values, so few exist. */
const CAPACITY = 256;

/**
 * better-sqlite3 as Kysely sees it, with each distinct SQL text compiled once. Kysely prepares
 * every query it runs, and SQLite's compile (of an insert's triggers too) cost more than the
 * insert itself on the write path (BENCHMARKS.md). No query here is streamed, so a cached
 * statement is never still iterating when it runs again.
 */
export function withStatementCache(database: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = database.prepare(sql);
        if (statements.size >= CAPACITY) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
