import request from 'supertest';
import { MemoryResponse } from '../src/memory/memory.response';
import { bearer, expectApiError } from './support/http';
import { isType, openStream, SseStream } from './support/sse-client';
import { startTestApp, TestApp } from './support/test-app';

/** The API's own response shape. */
type MemoryBody = MemoryResponse;

interface SearchBody {
  results: (MemoryBody & { relevance_score: number })[];
  total_results: number;
  search_time_ms: number;
}

const SEARCH = '/api/v1/memories/search';

describe('POST /api/v1/memories/search', () => {
  let t: TestApp;
  let alice: string;
  let outsider: string;
  let words = 0;

  /** A word no other test uses: the suite shares one database. */
  const word = () => `w${(words += 1)}zq`;

  const create = async (body: object, key = alice): Promise<MemoryBody> =>
    (await request(t.url).post('/api/v1/memories').set(bearer(key)).send(body).expect(201)).body;
  const search = (body: object, key = alice) =>
    request(t.url).post(SEARCH).set(bearer(key)).send(body);
  const found = async (body: object, key = alice): Promise<SearchBody> =>
    (await search(body, key).expect(200)).body;
  const contents = async (body: object, key = alice): Promise<string[]> =>
    (await found(body, key)).results.map((result) => result.content);

  beforeAll(async () => {
    t = await startTestApp();
    alice = await t.createKey('acme', 'alice');
    outsider = await t.createKey('globex', 'gina');
    // Background, so that the suite's words stay rare from the first test on.
    for (let i = 0; i < 10; i += 1) await create({ content: `background memory ${i}` });
  });
  afterAll(() => t.close());

  describe('ranking', () => {
    it('puts the memory matching every word, in its title too, above one matching a single word', async () => {
      const [a, b] = [word(), word()];
      const weak = await create({ content: `a passing mention of ${a} among other things` });
      const strong = await create({ title: `${a} ${b}`, content: `all about ${a} and ${b}` });
      const response = await search({ query: `${a} ${b}` }).expect(200);
      const body = response.body as SearchBody;
      expect(body.results.map((result) => result.id)).toEqual([strong.id, weak.id]);
      expect(body.results[0].relevance_score).toBeGreaterThan(body.results[1].relevance_score);
      expect(body.total_results).toBe(2);
    });

    it('answers each result as the memory plus a relevance_score, 1 for a lone match, with the timing', async () => {
      const w = word();
      const memory = await create({
        title: 'Release',
        content: `notes on ${w}`,
        memory_type: 'workflow',
        tags: ['ops'],
        metadata: { category: 'documentation', nested: { a: [1] } },
      });
      const body = await found({ query: w });
      expect(body).toEqual({
        results: [{ ...memory, relevance_score: 1 }],
        total_results: 1,
        search_time_ms: expect.any(Number),
        stream_position: expect.stringMatching(/^\d+-\d+$/),
      });
      expect(body.search_time_ms).toBeGreaterThanOrEqual(0);
    });

    it('scores the best result 1 and the others their fraction of it (4 decimals), best first', async () => {
      const [a, b, c] = [word(), word(), word()];
      await create({ content: `${a}` });
      await create({ content: `${a} ${b}` });
      await create({ title: `${a} ${b} ${c}`, content: `${a} ${b} ${c}`, tags: [a] });
      await create({ content: `${c} with many other words that dilute the match a great deal` });
      const scores = (await found({ query: `${a} ${b} ${c}` })).results.map(
        (result) => result.relevance_score,
      );
      expect(scores).toHaveLength(4);
      expect(scores[0]).toBe(1);
      for (let i = 1; i < scores.length; i += 1) {
        expect(scores[i]).toBeLessThan(scores[i - 1]);
        expect(scores[i]).toBeGreaterThan(0);
        expect(Math.round(scores[i] * 1e4) / 1e4).toBe(scores[i]);
      }
    });

    it('finds words by stem, case and diacritics', async () => {
      const w = word();
      await create({ content: `Deploying the Café ${w}` });
      expect(await contents({ query: `deployed cafe ${w.toUpperCase()}` })).toEqual([
        `Deploying the Café ${w}`,
      ]);
    });
  });

  describe('limit and total_results', () => {
    it('returns at most limit results and counts every match in total_results', async () => {
      const w = word();
      for (let i = 0; i < 5; i += 1) await create({ content: `${w} number ${i}` });
      const body = await found({ query: w, limit: 2 });
      expect(body.results).toHaveLength(2);
      expect(body.total_results).toBe(5);
    });

    it('returns 20 results when no limit is given', async () => {
      const w = word();
      for (let i = 0; i < 21; i += 1) await create({ content: `${w} item ${i}` });
      const body = await found({ query: w });
      expect(body.results).toHaveLength(20);
      expect(body.total_results).toBe(21);
    });

    it('answers 200 with no results when nothing matches', async () => {
      expect(await found({ query: word() })).toEqual({
        results: [],
        total_results: 0,
        search_time_ms: expect.any(Number),
        stream_position: expect.stringMatching(/^\d+-\d+$/),
      });
    });
  });

  describe('filters', () => {
    it('keeps only the memory_types given', async () => {
      const w = word();
      await create({ content: `${w} project`, memory_type: 'project' });
      await create({ content: `${w} knowledge`, memory_type: 'knowledge' });
      await create({ content: `${w} context` });
      expect((await contents({ query: w, memory_types: ['project', 'knowledge'] })).sort()).toEqual(
        [`${w} knowledge`, `${w} project`],
      );
    });

    it('keeps only memories holding every tag given', async () => {
      const w = word();
      await create({ content: `${w} both`, tags: ['red', 'blue'] });
      await create({ content: `${w} red only`, tags: ['red'] });
      expect(await contents({ query: w, tags: ['red', 'blue'] })).toEqual([`${w} both`]);
    });

    it('keeps only memories whose metadata holds each filter value, of the same JSON type', async () => {
      const w = word();
      await create({ content: `${w} doc`, metadata: { category: 'documentation', pinned: true } });
      await create({ content: `${w} note`, metadata: { category: 'note', pinned: 1 } });
      await create({ content: `${w} bare` });
      expect(await contents({ query: w, filters: { category: 'documentation' } })).toEqual([
        `${w} doc`,
      ]);
      expect(await contents({ query: w, filters: { pinned: true } })).toEqual([`${w} doc`]);
      expect(await contents({ query: w, filters: { pinned: 1 } })).toEqual([`${w} note`]);
      expect(
        await contents({ query: w, filters: { category: 'documentation', pinned: 1 } }),
      ).toEqual([]);
    });

    it('matches a null filter to a key holding null, never to an absent key or the text "null"', async () => {
      const w = word();
      await create({ content: `${w} null`, metadata: { owner: null } });
      await create({ content: `${w} text`, metadata: { owner: 'null' } });
      await create({ content: `${w} absent` });
      expect(await contents({ query: w, filters: { owner: null } })).toEqual([`${w} null`]);
    });

    it('applies filters on keys named like Object.prototype members instead of dropping them', async () => {
      const w = word();
      await create({ content: `${w} plain` });
      for (const filters of [{ toString: 'x' }, { hasOwnProperty: true }, { valueOf: 1 }]) {
        const { total_results } = await found({ query: w, filters });
        expect({ filters, total_results }).toEqual({ filters, total_results: 0 });
      }
      expect((await found({ query: w })).total_results).toBe(1);
    });

    it('drops results scoring under the threshold (a fraction of the best), from total_results too', async () => {
      const [a, b] = [word(), word()];
      const query = `${a} ${b}`;
      await create({ title: query, content: query, tags: [a, b] });
      await create({ content: `${a} lost among a great many other words of no interest at all` });
      const all = await found({ query });
      expect(all.total_results).toBe(2);
      const [best, worst] = all.results.map((result) => result.relevance_score);
      expect(best).toBe(1);
      expect(worst).toBeLessThan(best);
      expect(worst).toBeGreaterThan(0);

      const strict = await found({ query, threshold: worst + 0.0001 });
      expect(strict.results.map((result) => result.relevance_score)).toEqual([1]);
      expect(strict.total_results).toBe(1);
      expect((await found({ query, threshold: 1 })).total_results).toBe(1);
      expect((await found({ query, threshold: worst })).total_results).toBe(2);
    });

    it("searches only the caller's organization", async () => {
      const w = word();
      await create({ content: `${w} at globex` }, outsider);
      await create({ content: `${w} at acme` });
      const body = await found({ query: w });
      expect(body.results.map((result) => result.content)).toEqual([`${w} at acme`]);
      expect(body.total_results).toBe(1);
      expect(await contents({ query: w }, outsider)).toEqual([`${w} at globex`]);
    });
  });

  describe('the index follows every write', () => {
    it('finds a memory by its new text after an update, and no longer by its old text', async () => {
      const [before, after, tag] = [word(), word(), word()];
      const memory = await create({ title: 'T', content: `${before} text` });
      await request(t.url)
        .patch(`/api/v1/memories/${memory.id}`)
        .set(bearer(alice))
        .send({ content: `${after} text`, tags: [tag] })
        .expect(200);
      expect(await contents({ query: before })).toEqual([]);
      expect(await contents({ query: after })).toEqual([`${after} text`]);
      expect(await contents({ query: tag })).toEqual([`${after} text`]);
    });

    it('no longer finds a deleted memory', async () => {
      const w = word();
      const gone = await create({ content: `${w} gone` });
      await create({ content: `${w} kept` });
      await request(t.url).delete(`/api/v1/memories/${gone.id}`).set(bearer(alice)).expect(204);
      const body = await found({ query: w });
      expect(body.results.map((result) => result.content)).toEqual([`${w} kept`]);
      expect(body.total_results).toBe(1);
    });
  });

  describe('bad input', () => {
    /** A 400 VALIDATION_ERROR whose message and details both name `field`. */
    const expectFieldError = async (body: object, field: string) => {
      const error = expectApiError(await search(body), 400, 'VALIDATION_ERROR');
      expect(error.message).toContain(field);
      expect(error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    };

    it('refuses a missing, blank or non-string query', async () => {
      await expectFieldError({}, 'query');
      await expectFieldError({ query: '   ' }, 'query');
      await expectFieldError({ query: 42 }, 'query');
      await expectFieldError({ query: null }, 'query');
    });

    it('takes a query of 1,000 characters and refuses one of 1,001', async () => {
      await search({ query: 'a'.repeat(1000) }).expect(200);
      await expectFieldError({ query: 'a'.repeat(1001) }, 'query');
    });

    it('refuses a limit outside 1..100 or not an integer', async () => {
      for (const limit of [0, 101, 1.5, '5', null])
        await expectFieldError({ query: 'x', limit }, 'limit');
      await search({ query: 'x', limit: 100 }).expect(200);
    });

    it('refuses an unknown field', async () => {
      await expectFieldError({ query: 'x', sort: 'date' }, 'sort');
    });

    it('refuses filters that are not a flat map of metadata keys to strings, numbers, booleans or null', async () => {
      for (const filters of [
        { category: { $ne: 'x' } },
        { category: ['a'] },
        { 'bad"key': 'x' },
        { '': 'x' },
        ['category'],
        'category=x',
      ]) {
        await expectFieldError({ query: 'x', filters }, 'filters');
      }
    });

    it('refuses unknown memory_types, malformed tags and a threshold outside 0..1', async () => {
      await expectFieldError({ query: 'x', memory_types: ['diary'] }, 'memory_types');
      await expectFieldError({ query: 'x', memory_types: 'project' }, 'memory_types');
      await expectFieldError({ query: 'x', tags: 'red' }, 'tags');
      await expectFieldError({ query: 'x', tags: [''] }, 'tags');
      await expectFieldError({ query: 'x', threshold: 1.5 }, 'threshold');
      await expectFieldError({ query: 'x', threshold: -0.1 }, 'threshold');
    });

    it('refuses a query holding no word with a message saying what to send', async () => {
      const error = expectApiError(await search({ query: '"*" - ()' }), 400, 'VALIDATION_ERROR');
      expect(error.message).toMatch(/query must contain at least one word/);
    });

    it('answers 401 without a key and 403 to a key without memories:read', async () => {
      expectApiError(await request(t.url).post(SEARCH).send({ query: 'x' }), 401, 'AUTH_ERROR');
      const writer = await t.createKey('acme', 'walt', ['memories:write']);
      expectApiError(await search({ query: 'x' }, writer), 403, 'FORBIDDEN');
    });
  });

  describe('hostile query strings never cause a 500', () => {
    let target: MemoryBody;
    beforeAll(async () => {
      target = await create({ content: 'and or not near col term unbalanced start' });
    });

    it.each([
      ['"', 400],
      ['*', 400],
      ['-', 400],
      ['^', 400],
      ['🙂🔥', 400],
      ['!?.,;:()[]{}<>/\\|&%$#@~`', 400],
      ['AND', 200],
      ['OR NOT', 200],
      ['"unbalanced', 200],
      ['NEAR(', 200],
      ['NEAR(unbalanced start, 1)', 200],
      ['col:term', 200],
      ['{content}: term', 200],
      ['^start', 200],
      ['unbal*', 200],
      ['-term +near', 200],
      ['term 🙂', 200],
      ["'; drop table memories; --", 200],
    ])('answers %j with %i', async (query, status) => {
      const response = await search({ query });
      expect(response.status).toBe(status);
      if (status === 400) expectApiError(response, 400, 'VALIDATION_ERROR');
    });

    it('reads operator words and punctuation as plain words', async () => {
      for (const query of ['AND', 'OR NOT', '"unbalanced', 'NEAR(', 'col:term', '^start']) {
        const ids = (await found({ query })).results.map((result) => result.id);
        expect({ query, found: ids.includes(target.id) }).toEqual({ query, found: true });
      }
    });
  });

  describe('search.performed on the stream', () => {
    const open: SseStream[] = [];
    const connect = async (key: string) => {
      const stream = await openStream(`${t.url}/api/v1/stream?events=search.performed`, {
        headers: { Authorization: `Bearer ${key}` },
      });
      expect(stream.status).toBe(200);
      open.push(stream);
      return stream;
    };
    afterEach(() => {
      for (const stream of open.splice(0)) stream.close();
    });

    it('arrives with exactly query, results_count, execution_time, user_id, timestamp and filters', async () => {
      const stream = await connect(alice);
      const w = word();
      await create({ content: `${w} one`, tags: ['ops'], metadata: { category: 'documentation' } });
      await create({ content: `${w} two`, tags: ['ops'], metadata: { category: 'documentation' } });
      const body = await found({
        query: `${w} "docs`,
        limit: 1,
        filters: { category: 'documentation' },
        memory_types: ['context'],
        tags: ['ops'],
        threshold: 0,
      });
      // Earlier tests' searches may still be on their way: their events follow their answers.
      const event = await stream.waitFor(
        (e) => isType('search.performed')(e) && e.json.query === `${w} "docs`,
      );
      expect(event.json).toEqual({
        query: `${w} "docs`,
        results_count: 1,
        execution_time: body.search_time_ms,
        user_id: 'alice',
        timestamp: expect.any(String),
        filters: {
          category: 'documentation',
          memory_types: ['context'],
          tags: ['ops'],
          threshold: 0,
        },
      });
      const timestamp = event.json.timestamp as string;
      expect(new Date(timestamp).toISOString()).toBe(timestamp);
    });

    it('arrives once per search, never for a refused one, and only to the searching organization', async () => {
      const mine = await connect(alice);
      const theirs = await connect(outsider);
      await search({ query: '"*"' }).expect(400);
      await search({ query: 'x', limit: 0 }).expect(400);
      await found({ query: 'first' });
      await found({ query: 'second' });
      await found({ query: 'theirs' }, outsider);
      await mine.waitFor((event) => event.json.query === 'second');
      await theirs.waitFor((event) => event.json.query === 'theirs');
      expect(mine.dataEvents().map((event) => [event.event, event.json.query])).toEqual([
        ['search.performed', 'first'],
        ['search.performed', 'second'],
      ]);
      expect(mine.dataEvents().map((event) => event.json.filters)).toEqual([{}, {}]);
      expect(theirs.dataEvents().map((event) => event.json.query)).toEqual(['theirs']);
    });
  });
});
