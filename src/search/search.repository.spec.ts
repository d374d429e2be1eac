import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, sql, SqliteDialect } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTempDatabase, TempDatabase } from '../../test/support/temp-database';
import { DatabaseSchema } from '../database/database.types';
import { migrationProvider } from '../database/migrations';
import { MemoryRepository } from '../memory/memory.repository';
import { Memory } from '../memory/memory.types';
import { SearchCriteria, SearchRepository } from './search.repository';
import { searchTerms } from './search-terms';
import { SqliteSearchRepository, toMatchExpression } from './sqlite-search.repository';

let sequence = 0;

/** A memory of org `acme`; each one a second newer than the last, so order by time is known. */
function memory(fields: Partial<Memory> = {}): Memory {
  sequence += 1;
  const at = new Date(Date.UTC(2024, 0, 1, 0, 0, sequence)).toISOString();
  return {
    id: `mem_${sequence.toString(16).padStart(16, '0')}`,
    organization_id: 'acme',
    title: null,
    content: 'filler',
    memory_type: 'context',
    tags: [],
    metadata: {},
    created_at: at,
    created_by: 'alice',
    updated_at: at,
    updated_by: 'alice',
    ...fields,
  };
}

describe('SearchRepository on SQLite FTS5', () => {
  let temp: TempDatabase;
  let memories: MemoryRepository;
  let repository: SearchRepository;

  const search = (query: string, criteria: Partial<SearchCriteria> = {}, org = 'acme') =>
    repository.search(org, { terms: searchTerms(query), limit: 20, ...criteria });
  const contents = async (query: string, criteria: Partial<SearchCriteria> = {}) =>
    (await search(query, criteria)).hits.map((hit) => hit.memory.content);
  const add = async (...items: Memory[]) => {
    for (const item of items) await memories.insert(item);
    return items;
  };
  /** Unrelated memories, so that the words of a test are rare and bm25 weighs them fully. */
  const addBackground = () =>
    add(...Array.from({ length: 10 }, (_, i) => memory({ content: `background ${i}` })));
  /** s = -bm25 of every memory matching `match`, in any organization, by memory id. */
  const bm25Scores = async (match: string) => {
    const { rows } = await sql<{ id: string; s: number }>`
      select m.id, -bm25(memories_fts, 2.0, 1.0, 1.5) as s
      from memories_fts join memories m on m.rowid = memories_fts.rowid
      where memories_fts match ${match}
    `.execute(temp.db);
    return new Map(rows.map((row) => [row.id, row.s]));
  };
  /** FTS5's own check of the index against the memories table (throws on any drift). */
  const integrityCheck = () =>
    sql`insert into memories_fts (memories_fts, rank) values ('integrity-check', 1)`.execute(
      temp.db,
    );

  beforeEach(async () => {
    temp = await openTempDatabase();
    memories = new MemoryRepository(temp.db, 'sqlite');
    repository = new SqliteSearchRepository(temp.db);
  });
  afterEach(() => temp.close());

  describe('ranking and scores', () => {
    it('ranks a memory matching every word, in its title, above one matching a word in its content', async () => {
      await add(
        memory({ content: 'we talked about authentication once' }),
        memory({ title: 'User authentication', content: 'how a user signs in with a key' }),
        memory({ content: 'nothing relevant here' }),
      );
      expect(await contents('user authentication')).toEqual([
        'how a user signs in with a key',
        'we talked about authentication once',
      ]);
    });

    it('scores s / max(s) of the bm25 scores s, rounded to 4 decimals: the best 1, the others their fraction of it', async () => {
      await addBackground();
      await add(
        memory({ title: 'Deploy', content: 'deploy deploy on tuesdays', tags: ['deploy'] }),
        memory({ content: 'a deploy happened' }),
        memory({ content: 'a deploy in passing, among many other words of little interest' }),
        memory({ content: 'unrelated' }),
      );
      const { hits } = await search('deploy');
      const s = await bm25Scores('"deploy"');
      expect(hits).toHaveLength(3);
      const max = Math.max(...s.values());
      for (const hit of hits) {
        expect(hit.score).toBe(Math.round((s.get(hit.memory.id)! / max) * 1e4) / 1e4);
      }
      const [first, second, third] = hits.map((hit) => hit.score);
      expect(first).toBe(1);
      expect(second).toBeLessThan(first);
      expect(third).toBeLessThan(second);
      expect(third).toBeGreaterThan(0);
    });

    it('takes the best match among the filtered matches of the organization', async () => {
      await addBackground();
      const [, strong, weak] = await add(
        memory({ organization_id: 'globex', title: 'Invoice', content: 'invoice invoice' }),
        memory({ content: 'the invoice is due', memory_type: 'project' }),
        memory({ content: 'an invoice in passing, among many other words of no interest' }),
      );
      const scores = async (criteria: Partial<SearchCriteria>) =>
        (await search('invoice', criteria)).hits.map((hit) => ({
          id: hit.memory.id,
          s: hit.score,
        }));
      const [first, second, ...rest] = await scores({});
      expect(rest).toEqual([]);
      expect(first).toEqual({ id: strong.id, s: 1 });
      expect(second.id).toBe(weak.id);
      expect(second.s).toBeLessThan(1);
      expect(await scores({ memoryTypes: ['context'] })).toEqual([{ id: weak.id, s: 1 }]);
    });

    it('scores a lone match 1, though bm25 gives it about 0 in a database of one memory', async () => {
      const [lone] = await add(memory({ content: 'lonely' }));
      expect((await bm25Scores('"lonely"')).get(lone.id)).toBeLessThan(1e-5);
      expect((await search('lonely')).hits.map((hit) => hit.score)).toEqual([1]);
    });

    it('scores 1 the equal matches of a word found in every memory (bm25 floors its IDF)', async () => {
      await add(
        memory({ content: 'common word' }),
        memory({ content: 'common again' }),
        memory({ content: 'common too' }),
      );
      const { hits } = await search('common');
      expect(hits.map((hit) => hit.score)).toEqual([1, 1, 1]);
    });

    it('scores every match 1 when the best of them scores under 1e-9', async () => {
      // Another organization's many short memories, all holding the word, floor its IDF and make
      // the length of these two (long and longer) count so much that bm25 scores them about 0.
      await sql`
        with recursive n(i) as (select 1 union all select i + 1 from n where i < 9998)
        insert into memories (id, organization_id, title, content, memory_type, tags, metadata,
          created_at, created_by, updated_at, updated_by)
        select 'bulk_' || i, 'globex', null, 'faint', 'context', '[]', '{}',
          '2023-01-01T00:00:00.000Z', 'gina', '2023-01-01T00:00:00.000Z', 'gina'
        from n
      `.execute(temp.db);
      const [long, longer] = await add(
        memory({ content: `faint ${'x '.repeat(200_000)}` }),
        memory({ content: `faint ${'x '.repeat(300_000)}` }),
      );
      const s = await bm25Scores('"faint"');
      expect(s.get(long.id)).toBeLessThanOrEqual(1e-9);
      expect(s.get(longer.id)).toBeLessThan(s.get(long.id)! * 0.9);

      const { hits } = await search('faint');
      expect(hits.map((hit) => [hit.memory.id, hit.score])).toEqual([
        [long.id, 1],
        [longer.id, 1],
      ]);
    });

    it('orders equal matches newest first', async () => {
      const [older, newer] = await add(
        memory({ content: 'same words' }),
        memory({ content: 'same words' }),
      );
      const { hits } = await search('same');
      expect(hits.map((hit) => hit.memory.id)).toEqual([newer.id, older.id]);
      expect(hits[0].score).toBe(hits[1].score);
    });

    it('matches word stems and letters without their diacritics', async () => {
      await add(memory({ content: 'Running the café migrations' }));
      expect(await contents('run cafe migration')).toEqual(['Running the café migrations']);
    });

    it('returns memories whole, with tags and metadata parsed', async () => {
      const [stored] = await add(
        memory({
          title: 'T',
          content: 'whole',
          tags: ['a', 'b'],
          metadata: { n: 1, o: { p: [true] } },
        }),
      );
      expect((await search('whole')).hits).toEqual([{ memory: stored, score: expect.any(Number) }]);
    });
  });

  describe('limit, total and threshold', () => {
    it('returns at most limit hits and counts every match in total', async () => {
      await add(...Array.from({ length: 5 }, (_, i) => memory({ content: `match ${i}` })));
      await add(memory({ content: 'other' }));
      const page = await search('match', { limit: 2 });
      expect(page.hits).toHaveLength(2);
      expect(page.total).toBe(5);
    });

    it('answers no hits and a total of 0 when nothing matches', async () => {
      await add(memory({ content: 'something' }));
      expect(await search('absent')).toEqual({ hits: [], total: 0 });
    });

    it('keeps only hits whose returned score reaches minScore, and counts only those', async () => {
      await addBackground();
      await add(
        memory({ title: 'release', content: 'release release notes', tags: ['release'] }),
        memory({ content: 'the release notes' }),
        memory({ content: 'a release in passing, among many many other words of no interest' }),
      );
      const all = await search('release notes');
      expect(all.total).toBe(3);
      const [best, middle, worst] = all.hits.map((hit) => hit.score);
      expect(best).toBe(1);
      expect(middle).toBeLessThan(best);
      expect(worst).toBeLessThan(middle);

      const atMiddle = await search('release notes', { minScore: middle });
      expect(atMiddle.hits.map((hit) => hit.score)).toEqual([best, middle]);
      expect(atMiddle.total).toBe(2);
      const overMiddle = await search('release notes', { minScore: middle + 0.0001, limit: 1 });
      expect(overMiddle.hits.map((hit) => hit.score)).toEqual([best]);
      expect(overMiddle.total).toBe(1);
      expect((await search('release notes', { minScore: 1 })).total).toBe(1);
      expect((await search('release notes', { minScore: worst })).total).toBe(3);
      expect((await search('release notes', { minScore: 0 })).total).toBe(3);
    });
  });

  describe('filters', () => {
    it('keeps only the memory types given', async () => {
      await add(
        memory({ content: 'note one', memory_type: 'project' }),
        memory({ content: 'note two', memory_type: 'knowledge' }),
        memory({ content: 'note three', memory_type: 'context' }),
      );
      expect(await contents('note', { memoryTypes: ['project', 'knowledge'] })).toEqual([
        'note two',
        'note one',
      ]);
    });

    it('requires every tag given', async () => {
      await add(
        memory({ content: 'tagged ab', tags: ['a', 'b'] }),
        memory({ content: 'tagged a', tags: ['a'] }),
      );
      expect(await contents('tagged', { tags: ['a', 'b'] })).toEqual(['tagged ab']);
      expect(await contents('tagged', { tags: ['a'] })).toEqual(['tagged a', 'tagged ab']);
    });

    it('compares metadata by JSON type as well as value', async () => {
      await add(
        memory({ content: 'doc bool', metadata: { flag: true, n: 1, s: '1' } }),
        memory({ content: 'doc int', metadata: { flag: 1, n: '1', s: 1 } }),
        memory({ content: 'doc real', metadata: { flag: 'true', n: 1.5, s: 'x' } }),
      );
      expect(await contents('doc', { metadata: { flag: true } })).toEqual(['doc bool']);
      expect(await contents('doc', { metadata: { flag: 1 } })).toEqual(['doc int']);
      expect(await contents('doc', { metadata: { flag: 'true' } })).toEqual(['doc real']);
      expect(await contents('doc', { metadata: { n: 1 } })).toEqual(['doc bool']);
      expect(await contents('doc', { metadata: { n: 1.5 } })).toEqual(['doc real']);
      expect(await contents('doc', { metadata: { n: '1' } })).toEqual(['doc int']);
      expect(await contents('doc', { metadata: { s: '1', n: 1 } })).toEqual(['doc bool']);
      expect(await contents('doc', { metadata: { flag: false } })).toEqual([]);
    });

    it('matches null only to a key holding JSON null, not an absent key or the text "null"', async () => {
      await add(
        memory({ content: 'owner null', metadata: { owner: null } }),
        memory({ content: 'owner text', metadata: { owner: 'null' } }),
        memory({ content: 'owner absent' }),
      );
      expect(await contents('owner', { metadata: { owner: null } })).toEqual(['owner null']);
    });

    it('keeps answering when a stored memory nests deeper than SQLite reads JSON', async () => {
      let deep: unknown = 1;
      for (let i = 0; i < 1500; i += 1) deep = { a: deep };
      await add(
        memory({ content: 'layered deep', metadata: { a: deep } }),
        memory({ content: 'layered flat', metadata: { kind: 'flat' } }),
      );
      expect(await contents('layered', { metadata: { kind: 'flat' } })).toEqual(['layered flat']);
      expect(await contents('layered', { metadata: { a: 1 } })).toEqual([]);
    });

    it('filters on keys named like Object.prototype members', async () => {
      await add(
        memory({ content: 'car red', metadata: { constructor: 'Ferrari', toString: 'x' } }),
        memory({ content: 'car plain' }),
      );
      expect(await contents('car', { metadata: { constructor: 'Ferrari' } })).toEqual(['car red']);
      expect(await contents('car', { metadata: { toString: 'x' } })).toEqual(['car red']);
    });

    it('reads a dotted filter key as one literal top-level key, not a nested path', async () => {
      await add(
        memory({ content: 'dotted', metadata: { 'a.b': 'x' } }),
        memory({ content: 'nested', metadata: { a: { b: 'x' } } }),
      );
      expect(await contents('dotted nested', { metadata: { 'a.b': 'x' } })).toEqual(['dotted']);
    });

    it("searches only the given organization's memories", async () => {
      await add(
        memory({ content: 'secret plan', organization_id: 'globex' }),
        memory({ content: 'public plan' }),
      );
      expect(await contents('secret plan')).toEqual(['public plan']);
      expect((await search('secret', {}, 'globex')).hits.map((h) => h.memory.content)).toEqual([
        'secret plan',
      ]);
    });
  });

  describe('the index follows every write', () => {
    it('indexes title, content and tags on insert', async () => {
      await add(memory({ title: 'Kubernetes', content: 'body', tags: ['observability'] }));
      expect(await contents('kubernetes')).toEqual(['body']);
      expect(await contents('observability')).toEqual(['body']);
      await integrityCheck();
    });

    it('forgets the old text and finds the new after an update', async () => {
      const [stored] = await add(memory({ title: 'alpha', content: 'bravo', tags: ['charlie'] }));
      await temp.db
        .transaction()
        .execute((trx) =>
          memories.update(
            'acme',
            stored.id,
            (current) => ({ ...current, title: 'delta', content: 'echo', tags: ['foxtrot'] }),
            trx,
          ),
        );
      expect(await contents('alpha bravo charlie')).toEqual([]);
      expect(await contents('delta')).toEqual(['echo']);
      expect(await contents('foxtrot')).toEqual(['echo']);
      await integrityCheck();
    });

    it('forgets a deleted memory', async () => {
      const [gone] = await add(
        memory({ content: 'ephemeral' }),
        memory({ content: 'ephemeral too' }),
      );
      await memories.delete('acme', gone.id);
      expect(await contents('ephemeral')).toEqual(['ephemeral too']);
      await integrityCheck();
    });

    it('indexes memories that existed before the search migration', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mnemo-search-'));
      const db = new Kysely<DatabaseSchema>({
        dialect: new SqliteDialect({ database: new BetterSqlite3(join(dir, 'old.db')) }),
      });
      try {
        const migrator = new Migrator({ db, provider: migrationProvider('sqlite') });
        expect((await migrator.migrateTo('0001-initial')).error).toBeUndefined();
        await new MemoryRepository(db, 'sqlite').insert(
          memory({ content: 'written before the index' }),
        );
        expect((await migrator.migrateToLatest()).error).toBeUndefined();
        const page = await new SqliteSearchRepository(db).search('acme', {
          terms: searchTerms('before index'),
          limit: 20,
        });
        expect(page.hits.map((hit) => hit.memory.content)).toEqual(['written before the index']);
      } finally {
        await db.destroy();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it('accepts every expression the sanitizer builds from hostile text', async () => {
    await add(memory({ content: 'and or not near col term' }));
    const hostile = [
      'AND',
      'OR NOT',
      'a AND OR b',
      'NEAR(',
      'NEAR(a b, 2)',
      'col:term',
      '{title content}: x',
      '^start',
      'pre*',
      '"unbalanced',
      '- minus',
      'a + b',
      'x"y"z',
      "it's",
      'ﬁ ligature ǅ İstanbul',
      'e\u0301 combining',
      '東京 हिन्दी',
    ];
    for (const text of hostile) {
      const match = toMatchExpression(searchTerms(text));
      expect({ text, match }).toEqual({ text, match: expect.any(String) });
      await expect(search(text)).resolves.toEqual(
        expect.objectContaining({ hits: expect.any(Array) }),
      );
    }
  });
});
