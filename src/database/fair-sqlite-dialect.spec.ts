import BetterSqlite3 from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { FairSqliteDialect } from './fair-sqlite-dialect';

interface Schema {
  items: { n: number };
}

describe('FairSqliteDialect', () => {
  let db: Kysely<Schema>;

  beforeEach(async () => {
    db = new Kysely<Schema>({
      dialect: new FairSqliteDialect({ database: new BetterSqlite3(':memory:') }),
    });
    await sql`create table items (n integer)`.execute(db);
  });
  afterEach(() => db.destroy());

  const count = async () =>
    Number((await sql<{ c: number }>`select count(*) as c from items`.execute(db)).rows[0].c);

  it('keeps queries out of an open transaction until it ends, then runs them in arrival order', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const order: string[] = [];
    const transaction = db.transaction().execute(async (trx) => {
      await trx.insertInto('items').values({ n: 1 }).execute();
      await held;
      await trx.insertInto('items').values({ n: 2 }).execute();
      order.push('transaction');
    });
    // Give the transaction time to take the connection.
    await new Promise((resolve) => setImmediate(resolve));
    const waiting = [1, 2, 3].map((i) => count().then((c) => order.push(`read ${i}: ${c}`)));
    release();
    await Promise.all([transaction, ...waiting]);
    expect(order).toEqual(['transaction', 'read 1: 2', 'read 2: 2', 'read 3: 2']);
  });

  it('gives the connection back after a transaction that fails', async () => {
    const failed = db.transaction().execute(async (trx) => {
      await trx.insertInto('items').values({ n: 1 }).execute();
      throw new Error('no');
    });
    await expect(failed).rejects.toThrow('no');
    expect(await count()).toBe(0);
  });
});
