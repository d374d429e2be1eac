import request from 'supertest';
import { bearer, expectApiError, postMemory } from './support/http';
import { startTestApp, TestApp } from './support/test-app';

/** `{"k":"xxx..."}` serialized to exactly `bytes` bytes. */
function metadataOfBytes(bytes: number): Record<string, string> {
  return { k: 'x'.repeat(bytes - '{"k":""}'.length) };
}

describe('input validation', () => {
  let t: TestApp;
  let key: string;
  let memoryId: string;

  beforeAll(async () => {
    t = await startTestApp();
    key = await t.createKey('acme', 'alice');
    memoryId = (await postMemory(t.url, key, { content: 'target of patches' })).id;
  });
  afterAll(() => t.close());

  const post = () => request(t.url).post('/api/v1/memories').set(bearer(key));
  const patch = () => request(t.url).patch(`/api/v1/memories/${memoryId}`).set(bearer(key));

  /** A 400 VALIDATION_ERROR whose message and details both name `field`. */
  function expectFieldError(response: request.Response, field: string): void {
    const body = expectApiError(response, 400, 'VALIDATION_ERROR');
    expect(body.message).toContain(field);
    expect(body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  }

  describe('bodies that never reach validation', () => {
    it('rejects malformed JSON with 400 INVALID_JSON', async () => {
      const response = await post().set('Content-Type', 'application/json').send('{"content": ');
      expect(expectApiError(response, 400, 'INVALID_JSON').message).toMatch(/JSON/);
    });

    it('rejects a body over the size limit with 413 PAYLOAD_TOO_LARGE', async () => {
      const response = await post().send({ content: 'x'.repeat(1_100_000) });
      expect(expectApiError(response, 413, 'PAYLOAD_TOO_LARGE').message).toMatch(/limit/);
    });

    it('rejects a body that is not JSON with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
      const response = await post().set('Content-Type', 'text/plain').send('just text');
      expect(expectApiError(response, 415, 'UNSUPPORTED_MEDIA_TYPE').message).toMatch(
        /application\/json/,
      );
    });

    it('rejects a form-encoded PATCH body with 415', async () => {
      const response = await patch().type('form').send({ content: 'form' });
      expectApiError(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('rejects JSON in a charset other than UTF-8 with 415', async () => {
      const response = await post()
        .set('Content-Type', 'application/json; charset=latin1')
        .send('{"content":"x"}');
      expectApiError(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('rejects a JSON array instead of an object with 400', async () => {
      expectApiError(await post().send([{ content: 'x' }]), 400, 'VALIDATION_ERROR');
    });
  });

  describe('POST /memories body', () => {
    it('rejects an unknown field, naming it', async () => {
      expectFieldError(await post().send({ content: 'x', colour: 'red' }), 'colour');
    });

    it('rejects a missing content, naming it', async () => {
      expectFieldError(await post().send({ title: 'no content' }), 'content');
    });

    it('rejects an empty content, naming it', async () => {
      expectFieldError(await post().send({ content: '' }), 'content');
    });

    it.each([
      ['content', 'a number', { content: 42 }],
      ['title', 'a number', { content: 'x', title: 7 }],
      ['memory_type', 'an unknown type', { content: 'x', memory_type: 'diary' }],
      ['tags', 'a string', { content: 'x', tags: 'a,b' }],
      ['tags', 'numbers', { content: 'x', tags: [1, 2] }],
      ['metadata', 'an array', { content: 'x', metadata: ['not', 'an', 'object'] }],
      ['metadata', 'a string', { content: 'x', metadata: 'text' }],
    ])('rejects %s given as %s, naming it', async (field, _, body) => {
      expectFieldError(await post().send(body), field);
    });

    it('accepts content of exactly 50,000 characters', async () => {
      await post()
        .send({ content: 'x'.repeat(50_000) })
        .expect(201);
    });

    it('accepts 50,000 four-byte characters: the body limit leaves room for them', async () => {
      const response = await post()
        .send({ content: '😀'.repeat(50_000), metadata: metadataOfBytes(16 * 1024) })
        .expect(201);
      expect([...response.body.content]).toHaveLength(50_000);
    });

    it('accepts 50,000 characters sent \\u-escaped, as Python json.dumps writes them', async () => {
      const body = `{"content":"${'\\u4e2d'.repeat(50_000)}"}`;
      const response = await post().set('Content-Type', 'application/json').send(body);
      expect(response.status).toBe(201);
      expect(response.body.content).toBe('中'.repeat(50_000));
    });

    it('rejects content over 50,000 characters, naming content', async () => {
      expectFieldError(await post().send({ content: 'x'.repeat(50_001) }), 'content');
    });

    it('accepts metadata of exactly 16 KiB serialized', async () => {
      await post()
        .send({ content: 'x', metadata: metadataOfBytes(16 * 1024) })
        .expect(201);
    });

    it('rejects metadata over 16 KiB serialized, naming metadata', async () => {
      const response = await post().send({
        content: 'x',
        metadata: metadataOfBytes(16 * 1024 + 1),
      });
      expectFieldError(response, 'metadata');
    });

    it('counts metadata in UTF-8 bytes, not characters', async () => {
      const response = await post().send({ content: 'x', metadata: { k: 'é'.repeat(9000) } });
      expectFieldError(response, 'metadata');
    });

    it('accepts 20 tags', async () => {
      const tags = Array.from({ length: 20 }, (_, i) => `t${i}`);
      await post().send({ content: 'x', tags }).expect(201);
    });

    it('rejects 21 tags, naming tags', async () => {
      const tags = Array.from({ length: 21 }, (_, i) => `t${i}`);
      expectFieldError(await post().send({ content: 'x', tags }), 'tags');
    });

    it.each([
      ['a tag over 64 characters', ['y'.repeat(65)]],
      ['an empty tag', ['']],
      ['a repeated tag', ['same', 'same']],
    ])('rejects %s, naming tags', async (_, tags) => {
      expectFieldError(await post().send({ content: 'x', tags }), 'tags');
    });

    it('rejects a title over 500 characters, naming title', async () => {
      expectFieldError(await post().send({ content: 'x', title: 't'.repeat(501) }), 'title');
    });

    it('stores nothing when a create is rejected', async () => {
      const fresh = await t.createKey('empty-org', 'erin');
      await request(t.url)
        .post('/api/v1/memories')
        .set(bearer(fresh))
        .send({ content: 'x', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) })
        .expect(400);
      const list = await request(t.url).get('/api/v1/memories').set(bearer(fresh)).expect(200);
      expect(list.body.pagination.total).toBe(0);
    });
  });

  describe('PATCH /memories/:id body', () => {
    it('rejects an empty object with 400, listing the fields it accepts', async () => {
      const body = expectApiError(await patch().send({}), 400, 'VALIDATION_ERROR');
      expect(body.message).toMatch(/content/);
    });

    it('rejects a PATCH without a body with 400', async () => {
      expectApiError(await patch(), 400, 'VALIDATION_ERROR');
    });

    it.each([
      ['organization_id', { organization_id: 'globex' }],
      ['id', { id: 'mem_0000000000000000', content: 'x' }],
      ['created_by', { created_by: 'mallory' }],
    ])('refuses to set %s, naming it', async (field, body) => {
      expectFieldError(await patch().send(body), field);
    });

    it.each([
      ['content', 'a number', { content: 42 }],
      ['content', 'empty', { content: '' }],
      ['content', 'over 50,000 characters', { content: 'x'.repeat(50_001) }],
      ['memory_type', 'an unknown type', { memory_type: 'diary' }],
      ['tags', '21 tags', { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }],
      ['metadata', 'over 16 KiB', { metadata: metadataOfBytes(16 * 1024 + 1) }],
      ['metadata', 'an array', { metadata: [1] }],
    ])('rejects %s given as %s, naming it', async (field, _, body) => {
      expectFieldError(await patch().send(body), field);
    });

    it.each(['content', 'memory_type', 'tags', 'metadata'])(
      'rejects null for %s, which cannot be cleared, naming it',
      async (field) => {
        expectFieldError(await patch().send({ [field]: null }), field);
      },
    );

    it('leaves the memory unchanged after a rejected PATCH', async () => {
      await patch()
        .send({ content: 'changed', tags: ['ok'], memory_type: 'diary' })
        .expect(400);
      const read = await request(t.url)
        .get(`/api/v1/memories/${memoryId}`)
        .set(bearer(key))
        .expect(200);
      expect(read.body).toMatchObject({ content: 'target of patches', tags: [] });
    });
  });

  describe('query parameters', () => {
    const list = (query: string) => request(t.url).get(`/api/v1/memories${query}`).set(bearer(key));

    it.each([
      ['limit', '?limit=0'],
      ['limit', '?limit=101'],
      ['limit', '?limit=ten'],
      ['page', '?page=0'],
      ['page', '?page=1.5'],
      ['memory_type', '?memory_type=diary'],
      ['tags', `?tags=${'z'.repeat(65)}`],
      ['sort', '?sort=asc'],
    ])('rejects %s in the list query as %s, naming it', async (field, query) => {
      expectFieldError(await list(query), field);
    });

    it('rejects a malformed delete reason, naming reason', async () => {
      const response = await request(t.url)
        .delete(`/api/v1/memories/${memoryId}?reason=Not%20Allowed`)
        .set(bearer(key));
      expectFieldError(response, 'reason');
      await request(t.url).get(`/api/v1/memories/${memoryId}`).set(bearer(key)).expect(200);
    });
  });

  describe('error body and request id', () => {
    it('echoes a well-formed incoming X-Request-Id on errors', async () => {
      const response = await post().set('X-Request-Id', 'trace-42.a:b').send({ content: 5 });
      expect(expectApiError(response, 400, 'VALIDATION_ERROR').request_id).toBe('trace-42.a:b');
    });

    it('echoes a well-formed incoming X-Request-Id on success', async () => {
      const response = await request(t.url)
        .get('/api/v1/memories')
        .set(bearer(key))
        .set('X-Request-Id', 'trace-43')
        .expect(200);
      expect(response.headers['x-request-id']).toBe('trace-43');
    });

    it('echoes the request id on errors raised before routing (413)', async () => {
      const response = await post()
        .set('X-Request-Id', 'big-body')
        .send({ content: 'x'.repeat(1_100_000) });
      expect(expectApiError(response, 413, 'PAYLOAD_TOO_LARGE').request_id).toBe('big-body');
    });

    it('replaces a malformed incoming X-Request-Id with its own', async () => {
      const response = await request(t.url)
        .get('/api/v1/memories')
        .set('X-Request-Id', 'has spaces <and> tags');
      const body = expectApiError(response, 401, 'AUTH_ERROR');
      expect(body.request_id).not.toBe('has spaces <and> tags');
    });

    it('gives every response its own request id', async () => {
      const first = await request(t.url).get('/api/v1/memories').set(bearer(key)).expect(200);
      const second = await request(t.url).get('/api/v1/memories').set(bearer(key)).expect(200);
      expect(first.headers['x-request-id']).toEqual(expect.stringMatching(/\S/));
      expect(second.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
    });

    it('answers an unknown route with 404 in the same error body', async () => {
      expectApiError(await request(t.url).get('/api/v1/nowhere'), 404, 'NOT_FOUND');
    });
  });
});
