import {
  DatabaseConnection,
  Driver,
  SqliteDialect,
  SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';

/**
 * Kysely's SQLite driver, with its one connection handed to waiters first come, first served.
 * Kysely's own lock wakes every waiter each time the connection is released, and all but one wait
 * again: while a transaction holds the connection, ten concurrent requests cost a quarter of the
 * write path's CPU in wake-ups (BENCHMARKS.md). Here each release wakes exactly one.
 */
class FairSqliteDriver extends SqliteDriver {
  private connection?: DatabaseConnection;
  private held = false;
  private readonly waiting: (() => void)[] = [];

  override async init(): Promise<void> {
    await super.init();
    // Kysely's lock is taken once, for good; this driver's queue decides who uses the connection.
    this.connection = await super.acquireConnection();
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    if (this.held) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.held = true;
    return this.connection!;
  }

  override async releaseConnection(): Promise<void> {
    const next = this.waiting.shift();
    // The connection passes straight to the next waiter: it stays held.
    if (next) next();
    else this.held = false;
  }
}

export class FairSqliteDialect extends SqliteDialect {
  constructor(private readonly fairConfig: SqliteDialectConfig) {
    super(fairConfig);
  }

  override createDriver(): Driver {
    return new FairSqliteDriver(this.fairConfig);
  }
}
