import BetterSqlite3 from 'better-sqlite3';
import { withStatementCache } from './statement-cache';

describe('withStatementCache', () => {
  let sqlite: BetterSqlite3.Database;
  beforeEach(() => {
    sqlite = new BetterSqlite3(':memory:');
    sqlite.exec('create table notes (id integer primary key, body text)');
  });
  afterEach(() => sqlite.close());

  it('compiles a SQL text once and runs it with each call’s own values', () => {
    const database = withStatementCache(sqlite);
    const insert = database.prepare('insert into notes (body) values (?)');
    expect(database.prepare('insert into notes (body) values (?)')).toBe(insert);
    insert.run(['one']);
    database.prepare('insert into notes (body) values (?)').run(['two']);
    const read = database.prepare('select body from notes where id = ?');
    expect(read.all([2])).toEqual([{ body: 'two' }]);
    expect(read.all([1])).toEqual([{ body: 'one' }]);
  });

  it('keeps a bounded number of statements, dropping the oldest first', () => {
    const database = withStatementCache(sqlite);
    const first = database.prepare('select 0');
    for (let i = 1; i <= 256; i += 1) database.prepare(`select ${i}`);
    const latest = database.prepare('select 256');
    expect(database.prepare('select 256')).toBe(latest);
    expect(database.prepare('select 0')).not.toBe(first);
  });

  it('sees a table changed after a statement was compiled', () => {
    const database = withStatementCache(sqlite);
    expect(database.prepare('select * from notes').all([])).toEqual([]);
    sqlite.exec('alter table notes add column tag text');
    sqlite.exec("insert into notes (body, tag) values ('b', 't')");
    expect(database.prepare('select * from notes').all([])).toEqual([
      { id: 1, body: 'b', tag: 't' },
    ]);
  });
});
