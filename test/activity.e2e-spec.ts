import request from 'supertest';
import { AnalyticsPublisher } from '../src/activity/analytics.publisher';
import { ApiKeyService } from '../src/auth/api-key.service';
import { EventFeed } from '../src/events/event-feed';
import { DomainEvent } from '../src/events/event-map';
import { expectApiError, postMemory } from './support/http';
import { isType, openStream, SseEvent, SseStream } from './support/sse-client';
import { waitUntil } from './support/waits';
import { startTestApp, TestApp } from './support/test-app';

const STREAM = '/api/v1/stream';

describe('user.activity and analytics.update', () => {
  let t: TestApp;
  let key: string;
  const open: SseStream[] = [];

  const watch = async (query: string, withKey = key): Promise<SseStream> => {
    const stream = await openStream(`${t.url}${STREAM}${query}`, {
      headers: { Authorization: `Bearer ${withKey}` },
    });
    open.push(stream);
    return stream;
  };
  const createMemory = (content: string, withKey = key) => postMemory(t.url, withKey, { content });
  const memoriesTotal = async (): Promise<number> =>
    (await request(t.url).get('/api/v1/memories').set('Authorization', `Bearer ${key}`).expect(200))
      .body.pagination.total;
  const activity = (action: string, resourceId?: string) => (e: SseEvent) =>
    e.event === 'user.activity' &&
    e.json.action === action &&
    (resourceId === undefined || e.json.resource_id === resourceId);

  beforeAll(async () => {
    // Analytics windows are ended by hand here, so that counts cannot straddle two windows.
    t = await startTestApp({ ANALYTICS_INTERVAL_SECONDS: '3600' });
    key = await t.createKey('acme', 'alice');
  });
  afterEach(() => {
    for (const stream of open.splice(0)) stream.close();
  });
  afterAll(() => t.close());

  describe('user.activity', () => {
    it('reports a teammate opening and closing a stream', async () => {
      const dashboard = await watch('?events=user.activity');
      const bobKey = await t.createKey('acme', 'bob');
      const bob = await watch('?events=memory.created', bobKey);
      const opened = await dashboard.waitFor(
        (e) => activity('stream.opened')(e) && e.json.user_id === 'bob',
      );
      expect(opened.json).toEqual({
        user_id: 'bob',
        action: 'stream.opened',
        resource_type: 'stream',
        resource_id: expect.stringMatching(/^conn_[0-9a-f]{16}$/),
        timestamp: expect.any(String),
      });
      const connectionId = bob.events.find(isType('heartbeat'))!.json.connection_id;
      expect(opened.json.resource_id).toBe(connectionId);
      bob.close();
      const closed = await dashboard.waitFor(activity('stream.closed', connectionId as string));
      expect(closed.json).toMatchObject({ user_id: 'bob', resource_type: 'stream' });
    });

    /**
     * The user.activity events `read` causes. Activity is written after the response, in order:
     * once a later read's own event is out, every event of `read` is too.
     */
    const activityOf = async (read: () => Promise<unknown>): Promise<DomainEvent[]> => {
      const marker = await createMemory('marker');
      const published: DomainEvent[] = [];
      const subscription = t.app
        .get(EventFeed)
        .events$.subscribe((e) => e.type === 'user.activity' && published.push(e));
      try {
        await read();
        await request(t.url)
          .get(`/api/v1/memories/${marker.id}`)
          .set('Authorization', `Bearer ${key}`)
          .expect(200);
        const isMarker = (e: DomainEvent) =>
          (e.data as { resource_id?: string }).resource_id === marker.id;
        await waitUntil(() => published.some(isMarker), 5000, 'the marker read');
        return published.filter((e) => !isMarker(e));
      } finally {
        subscription.unsubscribe();
      }
    };

    it('reports reading a memory with exactly one event for the request', async () => {
      const memory = await createMemory('read me');
      const published = await activityOf(() =>
        request(t.url)
          .get(`/api/v1/memories/${memory.id}`)
          .set('Authorization', `Bearer ${key}`)
          .expect(200),
      );
      expect(published).toHaveLength(1);
      expect(published[0]).toMatchObject({
        type: 'user.activity',
        organizationId: 'acme',
        data: {
          user_id: 'alice',
          action: 'memory.viewed',
          resource_type: 'memory',
          resource_id: memory.id,
        },
      });
    });

    it('reports no activity for a read that fails', async () => {
      const published = await activityOf(() =>
        request(t.url)
          .get('/api/v1/memories/mem_0000000000000000')
          .set('Authorization', `Bearer ${key}`)
          .expect(404),
      );
      expect(published).toEqual([]);
    });

    it('reports keys created and revoked by the keys CLI', async () => {
      const dashboard = await watch('?events=user.activity');
      const created = await t.app
        .get(ApiKeyService)
        .create({ organizationId: 'acme', userId: 'carol' });
      await dashboard.waitFor(activity('key.created', created.id), 8000, 'key.created');
      await t.app.get(ApiKeyService).revoke(created.id);
      const revoked = await dashboard.waitFor(
        activity('key.revoked', created.id),
        8000,
        'key.revoked',
      );
      expect(revoked.json).toMatchObject({ user_id: 'carol', resource_type: 'api_key' });
      expect(dashboard.events.filter(activity('key.created', created.id))).toHaveLength(1);
    });

    it("never shows one organization another's activity", async () => {
      const otherKey = await t.createKey('globex', 'gina');
      const theirs = await watch('?events=user.activity', otherKey);
      const memory = await createMemory('private');
      await request(t.url)
        .get(`/api/v1/memories/${memory.id}`)
        .set('Authorization', `Bearer ${key}`)
        .expect(200);
      const mine = await watch('?events=user.activity');
      await mine.waitFor(activity('stream.opened'));
      expect(theirs.dataEvents().every((e) => e.json.user_id === 'gina')).toBe(true);
    });
  });

  describe('analytics.update', () => {
    it('sends each active organization counts of its window, and nothing to a quiet one', async () => {
      const analytics = t.app.get(AnalyticsPublisher);
      const quietKey = await t.createKey('quietco', 'quinn');
      const quiet = await watch('?events=analytics.update', quietKey);
      const dashboard = await watch('?events=analytics.update');
      await analytics.publish(); // ends the window holding the earlier tests and the streams' opening
      await dashboard.waitFor(isType('analytics.update'));
      const before = dashboard.dataEvents().length;

      const [first, second] = [await createMemory('one'), await createMemory('two')];
      await request(t.url)
        .patch(`/api/v1/memories/${first.id}`)
        .set('Authorization', `Bearer ${key}`)
        .send({ content: 'one!' })
        .expect(200);
      await request(t.url)
        .delete(`/api/v1/memories/${second.id}`)
        .set('Authorization', `Bearer ${key}`)
        .expect(204);
      const total = await memoriesTotal();
      await analytics.publish();

      const update = await dashboard.waitFor(() => dashboard.dataEvents().length > before);
      expect(update.json).toEqual({
        timestamp: expect.any(String),
        window_seconds: 3600,
        memories_total: total,
        memories_created: 2,
        memories_updated: 1,
        memories_deleted: 1,
        searches: 0,
        average_search_time: null,
        active_connections: 1,
      });
      expect(quiet.dataEvents()).toHaveLength(1);
    });

    it('answers GET /api/v1/analytics at once with the window in progress, for its organization only', async () => {
      const analytics = t.app.get(AnalyticsPublisher);
      await analytics.publish(); // a fresh window, counted from here
      await createMemory('counted now');
      await request(t.url)
        .post('/api/v1/memories/search')
        .set('Authorization', `Bearer ${key}`)
        .send({ query: 'counted' })
        .expect(200);
      const total = await memoriesTotal();

      const now = await request(t.url)
        .get('/api/v1/analytics')
        .set('Authorization', `Bearer ${key}`)
        .expect(200);
      expect(now.body).toEqual({
        timestamp: expect.any(String),
        window_seconds: expect.any(Number),
        memories_total: total,
        memories_created: 1,
        memories_updated: 0,
        memories_deleted: 0,
        searches: 1,
        average_search_time: expect.any(Number),
        active_connections: 0,
      });
      expect(now.body.window_seconds).toBeLessThan(3600);

      const otherKey = await t.createKey('otherco', 'olga');
      const other = await request(t.url)
        .get('/api/v1/analytics')
        .set('Authorization', `Bearer ${otherKey}`)
        .expect(200);
      expect(other.body).toMatchObject({ memories_total: 0, memories_created: 0, searches: 0 });
    });

    it('refuses GET /api/v1/analytics without a key, or to a key without stream:read', async () => {
      expectApiError(await request(t.url).get('/api/v1/analytics'), 401, 'AUTH_ERROR');
      const writer = await t.createKey('acme', 'walt', ['memories:read', 'memories:write']);
      expectApiError(
        await request(t.url).get('/api/v1/analytics').set('Authorization', `Bearer ${writer}`),
        403,
        'FORBIDDEN',
      );
    });

    it('publishes on its own every ANALYTICS_INTERVAL_SECONDS', async () => {
      const fast = await startTestApp({ ANALYTICS_INTERVAL_SECONDS: '1' });
      try {
        const fastKey = await fast.createKey('acme', 'alice');
        const stream = await openStream(`${fast.url}${STREAM}?events=analytics.update`, {
          headers: { Authorization: `Bearer ${fastKey}` },
        });
        open.push(stream);
        await request(fast.url)
          .post('/api/v1/memories')
          .set('Authorization', `Bearer ${fastKey}`)
          .send({ content: 'x' })
          .expect(201);
        const update = await stream.waitFor(
          (e) => e.event === 'analytics.update' && e.json.memories_total === 1,
          5000,
        );
        expect(update.json.window_seconds).toBe(1);
      } finally {
        await fast.close();
      }
    });
  });
});
