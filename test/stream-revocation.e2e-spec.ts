import request from 'supertest';
import { ApiKeyService } from '../src/auth/api-key.service';
import { openStreams, untilOpenStreams } from './support/metrics';
import { runKeysCli } from './support/processes';
import { expectClosedWithinDeadline } from './support/revocation';
import { isType, openStream, SseStream } from './support/sse-client';
import { serverEnded } from './support/stream-helpers';
import { startTestApp, TestApp } from './support/test-app';

const STREAM = '/api/v1/stream';

describe('revoking a key closes its open streams', () => {
  let t: TestApp;
  let keys: ApiKeyService;
  const open: SseStream[] = [];

  const connect = async (key: string, query = '?heartbeat=1') => {
    const stream = await openStream(`${t.url}${STREAM}${query}`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    open.push(stream);
    expect(stream.status).toBe(200);
    return stream;
  };
  const newKey = (organizationId: string, userId: string) =>
    keys.create({ organizationId, userId });

  /** The stream's error event and proof that it ended, nothing following the error. */
  async function expectAuthErrorThenEnd(stream: SseStream): Promise<void> {
    const error = await stream.waitFor(isType('error'), 5000, 'the AUTH_ERROR event');
    expect(error.json).toEqual({
      code: 'AUTH_ERROR',
      message: expect.stringMatching(/\S/),
      retry_after: 0,
    });
    expect(error.id).toEqual(expect.stringMatching(/\S/));
    await serverEnded(stream, t.url);
    expect(stream.events[stream.events.length - 1]).toBe(error);
  }

  beforeAll(async () => {
    t = await startTestApp({ STREAM_HEARTBEAT_MIN_SECONDS: '1' });
    keys = t.app.get(ApiKeyService);
  });
  afterEach(() => {
    for (const stream of open.splice(0)) stream.close();
  });
  afterAll(() => t?.close());

  it('sends AUTH_ERROR with retry_after 0 and ends the stream when ApiKeyService.revoke runs', async () => {
    const { id, key } = await newKey('acme', 'alice');
    const stream = await connect(key);
    expect(await keys.revoke(id)).toBe(true);
    await expectAuthErrorThenEnd(stream);
  });

  it('closes every stream of the revoked key and none of another key of the same organization', async () => {
    const revoked = await newKey('acme', 'bob');
    const kept = await newKey('acme', 'carol');
    const streams = [await connect(revoked.key), await connect(revoked.key, '?heartbeat=30')];
    const other = await connect(kept.key);
    await keys.revoke(revoked.id);
    for (const stream of streams) await expectAuthErrorThenEnd(stream);
    // The other key's stream keeps beating.
    const beats = other.events.length;
    await other.waitFor(
      (e) => e.event === 'heartbeat' && other.events.indexOf(e) >= beats,
      5000,
      'a heartbeat after the revocation was handled',
    );
    expect(other.events.some(isType('error'))).toBe(false);
  });

  it('refuses a new connect with the revoked key with 401 AUTH_ERROR', async () => {
    const { id, key } = await newKey('acme', 'dave');
    const stream = await connect(key);
    await keys.revoke(id);
    await expectAuthErrorThenEnd(stream);

    const refused = await openStream(`${t.url}${STREAM}`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    open.push(refused);
    expect(refused.status).toBe(401);
    await refused.ended;
    expect(refused.raw()).toContain('"code":"AUTH_ERROR"');
    const plain = await request(t.url)
      .get(STREAM)
      .set('Authorization', `Bearer ${key}`)
      .set('Accept', 'application/json');
    expect(plain.status).toBe(401);
    expect(plain.body.code).toBe('AUTH_ERROR');
  });

  it('frees the revoked stream for the connection count', async () => {
    const { id, key } = await newKey('acme', 'erin');
    const before = await openStreams(t.url);
    const stream = await connect(key);
    expect(await openStreams(t.url)).toBe(before + 1);
    await keys.revoke(id);
    await expectAuthErrorThenEnd(stream);
    await untilOpenStreams(t.url, before, 'the stream to be forgotten');
  });

  it('closes the streams within a second of the keys CLI revoking the key from another process', async () => {
    const { id, key } = await newKey('acme', 'frank');
    const writer = await t.createKey('acme', 'writer');
    const streams = [
      await connect(key, '?events=memory.created'),
      await connect(key, '?events=memory.created&heartbeat=30'),
    ];
    await expectClosedWithinDeadline(
      streams,
      async () => {
        const result = await runKeysCli(t.config.databaseUrl, ['revoke', id, '--json']);
        expect({ code: result.code, stdout: JSON.parse(result.stdout) as unknown }).toEqual({
          code: 0,
          stdout: { id, revoked: true },
        });
      },
      async () =>
        (
          await request(t.url)
            .post('/api/v1/memories')
            .set('Authorization', `Bearer ${writer}`)
            .send({ content: 'published around the revoke' })
            .expect(201)
        ).body.id as string,
    );
  });
});
