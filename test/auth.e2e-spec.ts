import request from 'supertest';
import { ApiKeyService } from '../src/auth/api-key.service';
import { bearer, expectApiError, postMemory } from './support/http';
import { startTestApp, TestApp } from './support/test-app';

type Method = 'get' | 'post' | 'patch' | 'delete';

describe('API key authentication', () => {
  let t: TestApp;
  let key: string;
  let memoryId: string;

  beforeAll(async () => {
    t = await startTestApp();
    key = await t.createKey('acme', 'alice');
    memoryId = (await postMemory(t.url, key, { content: 'guarded' })).id;
  });
  afterAll(() => t.close());

  const endpoints = (): [Method, string, object | undefined][] => [
    ['post', '/api/v1/memories', { content: 'x' }],
    ['get', '/api/v1/memories', undefined],
    ['get', `/api/v1/memories/${memoryId}`, undefined],
    ['patch', `/api/v1/memories/${memoryId}`, { content: 'y' }],
    ['delete', `/api/v1/memories/${memoryId}`, undefined],
  ];
  const call = (method: Method, path: string, body?: object) => {
    const pending = request(t.url)[method](path);
    return body === undefined ? pending : pending.send(body);
  };
  const listWith = (headers: Record<string, string>) =>
    request(t.url).get('/api/v1/memories').set(headers);

  describe('refusals with 401 AUTH_ERROR', () => {
    it('rejects every endpoint without a key', async () => {
      for (const [method, path, body] of endpoints()) {
        const response = await call(method, path, body);
        const error = expectApiError(response, 401, 'AUTH_ERROR');
        expect(error.message).toMatch(/Authorization: Bearer/);
        expect(error.message).toMatch(/X-API-Key/);
      }
      await request(t.url).get(`/api/v1/memories/${memoryId}`).set(bearer(key)).expect(200);
    });

    it('rejects an Authorization header that is not "Bearer <key>" and names the form', async () => {
      for (const authorization of [`Basic ${key}`, 'Bearer', `Bearer ${key} extra`, key]) {
        const response = await listWith({ Authorization: authorization });
        expect(expectApiError(response, 401, 'AUTH_ERROR').message).toMatch(/Bearer/);
      }
    });

    it('rejects an unknown but well-formed key', async () => {
      const unknown = `mnemo_0123456789abcdef_${'A'.repeat(43)}`;
      expectApiError(await listWith(bearer(unknown)), 401, 'AUTH_ERROR');
      expectApiError(await listWith({ 'X-API-Key': unknown }), 401, 'AUTH_ERROR');
    });

    it('rejects a malformed key', async () => {
      for (const bad of [
        'not-a-key',
        `${key}x`,
        key.slice(0, -1),
        key.replace('mnemo_', 'other_'),
      ]) {
        expectApiError(await listWith(bearer(bad)), 401, 'AUTH_ERROR');
      }
    });

    it('rejects a real key id with a different secret', async () => {
      const last = key.at(-1) === 'A' ? 'B' : 'A';
      expectApiError(await listWith(bearer(`${key.slice(0, -1)}${last}`)), 401, 'AUTH_ERROR');
    });

    it('rejects a revoked key with 401 on both header forms', async () => {
      const created = await t.app
        .get(ApiKeyService)
        .create({ organizationId: 'acme', userId: 'rita' });
      await listWith(bearer(created.key)).expect(200);
      expect(await t.app.get(ApiKeyService).revoke(created.id)).toBe(true);
      expectApiError(await listWith(bearer(created.key)), 401, 'AUTH_ERROR');
      expectApiError(await listWith({ 'X-API-Key': created.key }), 401, 'AUTH_ERROR');
    });

    it("keeps the owner's other keys working after one is revoked", async () => {
      const service = t.app.get(ApiKeyService);
      const doomed = await service.create({ organizationId: 'acme', userId: 'sam' });
      const spare = await service.create({ organizationId: 'acme', userId: 'sam' });
      await service.revoke(doomed.id);
      await listWith(bearer(spare.key)).expect(200);
    });

    it('never accepts a key in the query string, and says how to send it', async () => {
      for (const name of ['api_key', 'key', 'token']) {
        const response = await request(t.url).get(
          `/api/v1/memories?${name}=${encodeURIComponent(key)}`,
        );
        expect(expectApiError(response, 400, 'VALIDATION_ERROR').message).toMatch(
          /Authorization: Bearer/,
        );
      }
    });

    it('checks the key before validating the body', async () => {
      const response = await request(t.url).post('/api/v1/memories').send({ nonsense: true });
      expectApiError(response, 401, 'AUTH_ERROR');
    });
  });

  describe('accepted credentials', () => {
    it('accepts Authorization: Bearer <key>', async () => {
      await listWith({ Authorization: `Bearer ${key}` }).expect(200);
    });

    it('accepts the Bearer scheme in any case', async () => {
      await listWith({ Authorization: `bearer ${key}` }).expect(200);
    });

    it('accepts X-API-Key: <key>', async () => {
      await listWith({ 'X-API-Key': key }).expect(200);
    });

    it('acts as the key owner on every write', async () => {
      const other = await t.createKey('acme', 'bob');
      const created = await request(t.url)
        .post('/api/v1/memories')
        .set({ 'X-API-Key': other })
        .send({ content: 'by bob' })
        .expect(201);
      expect(created.body).toMatchObject({ organization_id: 'acme', created_by: 'bob' });
    });
  });

  describe('scopes, 403 FORBIDDEN', () => {
    it('refuses writes to a key without memories:write, naming the scope', async () => {
      const reader = await t.createKey('acme', 'reader', ['memories:read']);
      for (const [method, path, body] of endpoints().filter(([m]) => m !== 'get')) {
        const response = await call(method, path, body).set(bearer(reader));
        expect(expectApiError(response, 403, 'FORBIDDEN').message).toContain('memories:write');
      }
      await listWith(bearer(reader)).expect(200);
      await request(t.url).get(`/api/v1/memories/${memoryId}`).set(bearer(reader)).expect(200);
    });

    it('refuses reads to a key without memories:read, naming the scope', async () => {
      const writer = await t.createKey('acme', 'writer', ['memories:write']);
      for (const [method, path] of endpoints().filter(([m]) => m === 'get')) {
        const response = await call(method, path).set(bearer(writer));
        expect(expectApiError(response, 403, 'FORBIDDEN').message).toContain('memories:read');
      }
      await request(t.url)
        .post('/api/v1/memories')
        .set(bearer(writer))
        .send({ content: 'write-only works' })
        .expect(201);
    });

    it('refuses every memory endpoint to a key holding only stream:read', async () => {
      const streamer = await t.createKey('acme', 'streamer', ['stream:read']);
      for (const [method, path, body] of endpoints()) {
        expectApiError(await call(method, path, body).set(bearer(streamer)), 403, 'FORBIDDEN');
      }
    });

    it('answers 403, not 404, to a key without scope asking for an unknown memory', async () => {
      const reader = await t.createKey('acme', 'reader2', ['memories:read']);
      const response = await request(t.url)
        .delete('/api/v1/memories/mem_0000000000000000')
        .set(bearer(reader));
      expectApiError(response, 403, 'FORBIDDEN');
    });
  });
});
