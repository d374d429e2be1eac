import request from 'supertest';
import { bearer } from './support/http';
import { openStream, SseStream } from './support/sse-client';
import { startTestApp, TestApp } from './support/test-app';

/** Each memory's metadata, by the name it is created with. */
const OWNERS: Record<string, Record<string, unknown>> = {
  'owner null': { owner: null },
  'owner text null': { owner: 'null' },
  'owner absent': {},
  'owner someone': { owner: 'someone' },
  'owner empty': { owner: '' },
  'owner false': { owner: false },
};

describe('a null filter means a field holding null, in both stream forms and in search', () => {
  let t: TestApp;
  let key: string;
  const streams: Record<string, SseStream> = {};

  beforeAll(async () => {
    t = await startTestApp();
    key = await t.createKey('acme', 'alice');
    const forms = {
      bracket: 'filters[owner]=null',
      json: `filters=${encodeURIComponent('{"owner":null}')}`,
      'bracket, two filters': 'filters[owner]=null&filters[kind]=probe',
      'json, two filters': `filters=${encodeURIComponent('{"owner":null,"kind":"probe"}')}`,
    };
    for (const [form, query] of Object.entries(forms)) {
      streams[form] = await openStream(`${t.url}/api/v1/stream?events=memory.created&${query}`, {
        headers: bearer(key),
      });
    }
    for (const [content, metadata] of Object.entries(OWNERS)) {
      await request(t.url)
        .post('/api/v1/memories')
        .set(bearer(key))
        .send({ content, metadata: { ...metadata, kind: 'probe' } })
        .expect(201);
    }
    // Selected by every form, and created last: once it arrives, everything before it has.
    await request(t.url)
      .post('/api/v1/memories')
      .set(bearer(key))
      .send({ content: 'last', metadata: { owner: null, kind: 'probe' } })
      .expect(201);
    for (const stream of Object.values(streams)) {
      await stream.waitFor((e) => e.json.content === 'last', 10_000, 'the last memory');
    }
  });
  afterAll(async () => {
    for (const stream of Object.values(streams)) stream.close();
    await t.close();
  });

  const received = (form: string) => streams[form].dataEvents().map((event) => event.json.content);

  it.each(['bracket', 'json', 'bracket, two filters', 'json, two filters'])(
    'the %s form selects a field holding null, never an absent one',
    (form) => {
      expect(received(form)).toContain('owner null');
      expect(received(form)).not.toContain('owner absent');
      expect(received(form)).not.toContain('owner someone');
      expect(received(form)).not.toContain('owner empty');
      expect(received(form)).not.toContain('owner false');
    },
  );

  it('reads the bracket form as text, so it also selects the text "null"; the JSON form only null', () => {
    expect(received('bracket')).toEqual(['owner null', 'owner text null', 'last']);
    expect(received('json')).toEqual(['owner null', 'last']);
  });

  it('search filters agree: null matches the key holding null only', async () => {
    const response = await request(t.url)
      .post('/api/v1/memories/search')
      .set(bearer(key))
      .send({ query: 'owner', filters: { owner: null } })
      .expect(200);
    expect(response.body.results.map((r: { content: string }) => r.content)).toEqual([
      'owner null',
    ]);
  });
});
