import request from 'supertest';
import { MemoryRepository } from '../src/memory/memory.repository';
import { Memory, MEMORY_LIMITS } from '../src/memory/memory.types';
import { bearer } from './support/http';
import { openStream, SseStream } from './support/sse-client';
import { startTestApp, TestApp } from './support/test-app';

/** `levels` objects, each inside the last, around `inner`. */
function nested(levels: number, inner: unknown): unknown {
  let value = inner;
  for (let i = 0; i < levels; i += 1) value = { [`l${levels - i}`]: value };
  return value;
}

/** Text no store may change: astral characters, joiners, bidi controls, separators, escapes. */
const TRICKY_TEXT = [
  'emoji 😀 family 👩‍👩‍👧‍👦 flag 🏳️‍🌈 astral 𝕏 last plane \u{10FFFF}',
  'RTL mark \u200F hebrew עברית arabic مرحبا override \u202Etxet\u202C isolate \u2067x\u2069',
  'line separator \u2028 paragraph separator \u2029 next line \u0085',
  'tab\t newline\n carriage return\r form feed\f control \u0001 escape \u001b delete \u007f',
  'quotes " backslash \\ slash / literal \\u0000 and %00 and \\ud800 as text',
  'combining e\u0301 vs \u00e9, BOM \uFEFF, zero width \u200B\u200C\u200D, replacement \uFFFD, \uFFFF',
  "<script>alert(1)</script> &amp; ${x} {{y}} 'single'",
].join('\n');

const TRICKY_METADATA = {
  text: TRICKY_TEXT,
  'key with emoji 😀': 'value',
  ключ: 'значение',
  'line\u2028separator': '\u2029',
  '': 'an empty key',
  largest: Number.MAX_SAFE_INTEGER,
  smallest: -Number.MAX_SAFE_INTEGER,
  tiny: 5e-324,
  fraction: 0.1,
  precise: 123456.78901234567,
  negative: -42.5,
  exponent: 1.5e-300,
  yes: true,
  no: false,
  nothing: null,
  empty_text: '',
  empty_object: {},
  empty_list: [],
  mixed: [1, 'two', { three: [3] }, null, true, [[]]],
  // 31 levels below metadata: with the body and metadata itself, exactly the 32 allowed.
  deep: nested(30, 'bottom'),
};

describe('what is accepted is stored exactly: response, event and later reads agree', () => {
  let t: TestApp;
  let key: string;
  let stream: SseStream;

  const api = () => request(t.url);

  beforeAll(async () => {
    t = await startTestApp();
    key = await t.createKey('acme', 'alice');
    stream = await openStream(`${t.url}/api/v1/stream?events=memory.created,memory.updated`, {
      headers: bearer(key),
    });
  });
  afterAll(async () => {
    stream.close();
    await t.close();
  });

  const eventFor = async (type: string, id: string) =>
    (await stream.waitFor((e) => e.event === type && e.json.id === id, 10_000, `${type} ${id}`))
      .json;

  /** Every place the memory can be read back, each as its stored fields. */
  async function everyRead(id: string, query: string) {
    const get = (await api().get(`/api/v1/memories/${id}`).set(bearer(key)).expect(200)).body;
    const list = (await api().get('/api/v1/memories?limit=100').set(bearer(key)).expect(200)).body
      .data as Array<{ id: string }>;
    const search = (
      await api()
        .post('/api/v1/memories/search')
        .set(bearer(key))
        .send({ query, filters: { yes: true } })
        .expect(200)
    ).body.results as Array<{ id: string }>;
    return {
      get,
      list: list.find((memory) => memory.id === id),
      search: search.find((memory) => memory.id === id),
    };
  }

  const search = (apiKey: string, query: string, filters: Record<string, unknown>) =>
    api().post('/api/v1/memories/search').set(bearer(apiKey)).send({ query, filters }).expect(200);

  /** Each filtered search answers 200 (a 500 is reported with the filters that caused it). */
  async function expectEverySearchAnswers(
    apiKey: string,
    query: string,
    filterSets: Array<Record<string, unknown>>,
  ): Promise<void> {
    for (const filters of filterSets) {
      const response = await api()
        .post('/api/v1/memories/search')
        .set(bearer(apiKey))
        .send({ query, filters });
      expect({ filters, status: response.status }).toEqual({ filters, status: 200 });
    }
  }

  const stored = (memory: Record<string, unknown>) => ({
    title: memory.title,
    content: memory.content,
    tags: memory.tags,
    metadata: memory.metadata,
    memory_type: memory.memory_type,
  });

  it('keeps tricky text, tags, numbers and deep-but-allowed metadata identical everywhere', async () => {
    const sent = {
      title: `Title ${TRICKY_TEXT.slice(0, 300)}`,
      content: `${TRICKY_TEXT} roundtripword`,
      memory_type: 'knowledge',
      tags: ['😀', 'עברית\u200F', 'a\u2028b', 'x'.repeat(MEMORY_LIMITS.tagLength), ' spaced '],
      metadata: TRICKY_METADATA,
    };
    const created = (await api().post('/api/v1/memories').set(bearer(key)).send(sent).expect(201))
      .body;
    const event = await eventFor('memory.created', created.id);
    const reads = await everyRead(created.id, 'roundtripword');

    expect(stored(created)).toEqual(sent);
    expect(stored(event)).toEqual(sent);
    expect(stored(reads.get)).toEqual(sent);
    expect(stored(reads.list!)).toEqual(sent);
    expect(stored(reads.search!)).toEqual(sent);
    // Key order too: the same text, not only the same value.
    expect(JSON.stringify(reads.get.metadata)).toBe(JSON.stringify(created.metadata));
    expect(JSON.stringify(event.metadata)).toBe(JSON.stringify(created.metadata));
  });

  it('keeps what a PATCH sets identical in its response, its event and later reads', async () => {
    const created = (
      await api().post('/api/v1/memories').set(bearer(key)).send({ content: 'plain' }).expect(201)
    ).body;
    const change = {
      title: '\u202Eright to left\u202C 😀',
      content: `patched ${TRICKY_TEXT} patchword`,
      tags: ['\u2029', '𝕏'],
      metadata: { ...TRICKY_METADATA, deep: nested(29, [Number.MAX_SAFE_INTEGER]) },
    };
    const patched = (
      await api().patch(`/api/v1/memories/${created.id}`).set(bearer(key)).send(change).expect(200)
    ).body;
    const event = await eventFor('memory.updated', created.id);
    const reads = await everyRead(created.id, 'patchword');
    const expected = { ...change, memory_type: 'context' };

    expect(stored(patched)).toEqual(expected);
    expect(stored(event)).toEqual(expected);
    expect(stored(reads.get)).toEqual(expected);
    expect(stored(reads.list!)).toEqual(expected);
    expect(stored(reads.search!)).toEqual(expected);
  });

  it('accepts metadata exactly 32 levels deep with the body, and refuses one level more', async () => {
    const atLimit = { content: 'at the limit', metadata: nested(30, {}) };
    await api().post('/api/v1/memories').set(bearer(key)).send(atLimit).expect(201);
    const overLimit = { content: 'over the limit', metadata: nested(31, {}) };
    const refused = await api().post('/api/v1/memories').set(bearer(key)).send(overLimit);
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/^metadata nests deeper than 32 levels/);
  });

  it('keeps filtered searches answering beside memories stored before the limits (written past the API)', async () => {
    const legacyKey = await t.createKey('legacy', 'lee');
    const at = new Date().toISOString();
    const legacy = (id: string, metadata: Record<string, unknown>): Memory => ({
      id,
      organization_id: 'legacy',
      title: null,
      content: `oldword ${id}`,
      memory_type: 'context',
      tags: [],
      metadata,
      created_at: at,
      created_by: 'lee',
      updated_at: at,
      updated_by: 'lee',
    });
    const repository = t.app.get(MemoryRepository);
    await repository.insert(legacy('mem_00000000000000a1', { owner: 'a\u0000b' }));
    await repository.insert(legacy('mem_00000000000000a2', { owner: 'lone \ud800' }));
    await repository.insert(legacy('mem_00000000000000a3', { owner: nested(1500, 1) }));
    await repository.insert(legacy('mem_00000000000000a4', { owner: 'lee' }));
    await expectEverySearchAnswers(legacyKey, 'oldword', [{ owner: null }, { other: 1 }]);
    const found = await search(legacyKey, 'oldword', { owner: 'lee' });
    expect(found.body.results.map((memory: { id: string }) => memory.id)).toEqual([
      'mem_00000000000000a4',
    ]);
  });

  it("keeps every filtered search answering whatever the organization's memories hold", async () => {
    await expectEverySearchAnswers(key, 'roundtripword patchword limit', [
      { deep: 'x' },
      { text: TRICKY_TEXT },
      { nothing: null },
      { l1: 1 },
    ]);
    const found = await search(key, 'roundtripword', {
      text: TRICKY_TEXT,
      largest: 9007199254740991,
    });
    expect(found.body.total_results).toBe(1);
  });
});
