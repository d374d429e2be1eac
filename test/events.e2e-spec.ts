import { Subscription } from 'rxjs';
import request from 'supertest';
import { EventFeed } from '../src/events/event-feed';
import { DomainEvent } from '../src/events/event-map';
import { compareEventIds } from '../src/events/event-id';
import { bearer } from './support/http';
import { openStream } from './support/sse-client';
import { startTestApp, TestApp } from './support/test-app';

const NO_CHANGES = {
  title: false,
  content: false,
  memory_type: false,
  metadata: false,
  tags: false,
};

/**
 * The bus publishes before the HTTP response is written, so every event a request causes is in
 * `events` by the time the request resolves. Other producers share the bus (user.activity,
 * system.health, analytics.update); these tests are about the memory.* events of writes.
 */
describe('domain events from memory writes', () => {
  let t: TestApp;
  let subscription: Subscription;
  const events: DomainEvent[] = [];
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    t = await startTestApp();
    subscription = t.app.get(EventFeed).events$.subscribe((event) => {
      if (event.type.startsWith('memory.')) events.push(event);
    });
    alice = await t.createKey('acme', 'alice');
    bob = await t.createKey('acme', 'bob');
  });
  beforeEach(() => {
    events.length = 0;
  });
  afterAll(async () => {
    subscription.unsubscribe();
    await t.close();
  });

  const create = async (key: string, body: object) => {
    const response = await request(t.url)
      .post('/api/v1/memories')
      .set(bearer(key))
      .send(body)
      .expect(201);
    events.length = 0;
    return response.body;
  };

  describe('each committed change publishes exactly one event', () => {
    it('publishes memory.created with the new memory and its organization', async () => {
      const response = await request(t.url)
        .post('/api/v1/memories')
        .set(bearer(alice))
        .send({
          title: 'Standup',
          content: 'Daily at nine',
          memory_type: 'workflow',
          tags: ['team'],
          metadata: { user_id: 'alice', category: 'note' },
        })
        .expect(201);
      const m = response.body;
      expect(events).toEqual([
        {
          type: 'memory.created',
          organizationId: 'acme',
          id: expect.any(String),
          position: expect.any(Number),
          publishedAt: expect.any(Number),
          size: expect.any(Number),
          data: {
            id: m.id,
            title: 'Standup',
            content: 'Daily at nine',
            memory_type: 'workflow',
            metadata: { user_id: 'alice', category: 'note' },
            tags: ['team'],
            created_at: m.created_at,
            created_by: 'alice',
          },
        },
      ]);
    });

    it('publishes memory.updated with the new state and a changes flag per field', async () => {
      const m = await create(alice, { content: 'v1', tags: ['a'], metadata: { rev: 1 } });
      const response = await request(t.url)
        .patch(`/api/v1/memories/${m.id}`)
        .set(bearer(bob))
        .send({ content: 'v2', tags: ['a'], metadata: { rev: 2 } })
        .expect(200);
      expect(events).toEqual([
        {
          type: 'memory.updated',
          organizationId: 'acme',
          id: expect.any(String),
          position: expect.any(Number),
          publishedAt: expect.any(Number),
          size: expect.any(Number),
          data: {
            id: m.id,
            title: null,
            content: 'v2',
            memory_type: 'context',
            metadata: { rev: 2 },
            tags: ['a'],
            updated_at: response.body.updated_at,
            updated_by: 'bob',
            changes: { ...NO_CHANGES, content: true, metadata: true },
          },
        },
      ]);
    });

    it('flags title, memory_type and tags when those change', async () => {
      const m = await create(alice, { content: 'same', title: 'old', tags: ['a'] });
      await request(t.url)
        .patch(`/api/v1/memories/${m.id}`)
        .set(bearer(alice))
        .send({ title: 'new', memory_type: 'project', tags: ['a', 'b'], content: 'same' })
        .expect(200);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        type: 'memory.updated',
        data: { changes: { ...NO_CHANGES, title: true, memory_type: true, tags: true } },
      });
    });

    it('publishes memory.deleted with reason user_request by default', async () => {
      const m = await create(alice, { content: 'bye' });
      const before = new Date().toISOString();
      await request(t.url).delete(`/api/v1/memories/${m.id}`).set(bearer(bob)).expect(204);
      expect(events).toEqual([
        {
          type: 'memory.deleted',
          organizationId: 'acme',
          id: expect.any(String),
          position: expect.any(Number),
          publishedAt: expect.any(Number),
          size: expect.any(Number),
          data: {
            id: m.id,
            deleted_at: expect.any(String),
            deleted_by: 'bob',
            reason: 'user_request',
          },
        },
      ]);
      const deletedAt = (events[0].data as { deleted_at: string }).deleted_at;
      expect(new Date(deletedAt).toISOString()).toBe(deletedAt);
      expect(deletedAt >= before).toBe(true);
    });

    it('carries the reason given to DELETE', async () => {
      const m = await create(alice, { content: 'dup' });
      await request(t.url)
        .delete(`/api/v1/memories/${m.id}?reason=duplicate`)
        .set(bearer(alice))
        .expect(204);
      expect(events).toEqual([
        expect.objectContaining({
          type: 'memory.deleted',
          data: expect.objectContaining({ id: m.id, reason: 'duplicate' }),
        }),
      ]);
    });

    it("tags each event with the writer's organization", async () => {
      const other = await t.createKey('globex', 'hank');
      const m = await create(other, { content: 'globex memory' });
      await request(t.url)
        .patch(`/api/v1/memories/${m.id}`)
        .set(bearer(other))
        .send({ content: 'edited' })
        .expect(200);
      await request(t.url).delete(`/api/v1/memories/${m.id}`).set(bearer(other)).expect(204);
      expect(events.map((e) => [e.type, e.organizationId])).toEqual([
        ['memory.updated', 'globex'],
        ['memory.deleted', 'globex'],
      ]);
    });

    it('gives successive events distinct ids, in order of the changes', async () => {
      const response = await request(t.url)
        .post('/api/v1/memories')
        .set(bearer(alice))
        .send({ content: 'life' })
        .expect(201);
      const path = `/api/v1/memories/${response.body.id}`;
      await request(t.url).patch(path).set(bearer(alice)).send({ content: 'cycle' }).expect(200);
      await request(t.url).delete(path).set(bearer(alice)).expect(204);
      expect(events.map((e) => e.type)).toEqual([
        'memory.created',
        'memory.updated',
        'memory.deleted',
      ]);
      expect(new Set(events.map((e) => e.id)).size).toBe(3);
    });
  });

  describe('nothing that is not committed publishes', () => {
    let memoryId: string;
    beforeAll(async () => {
      memoryId = (await create(alice, { content: 'stable', tags: ['x'] })).id;
    });

    it('publishes no memory event for reads', async () => {
      await request(t.url).get('/api/v1/memories').set(bearer(alice)).expect(200);
      await request(t.url).get(`/api/v1/memories/${memoryId}`).set(bearer(alice)).expect(200);
      expect(events).toEqual([]);
    });

    it('publishes nothing for a PATCH that changes nothing', async () => {
      await request(t.url)
        .patch(`/api/v1/memories/${memoryId}`)
        .set(bearer(bob))
        .send({ content: 'stable', tags: ['x'] })
        .expect(200);
      expect(events).toEqual([]);
    });

    it('publishes nothing for writes rejected by validation', async () => {
      const path = `/api/v1/memories/${memoryId}`;
      await request(t.url)
        .post('/api/v1/memories')
        .set(bearer(alice))
        .send({ content: 'x', extra: 1 })
        .expect(400);
      await request(t.url)
        .post('/api/v1/memories')
        .set(bearer(alice))
        .set('Content-Type', 'application/json')
        .send('{oops')
        .expect(400);
      await request(t.url).patch(path).set(bearer(alice)).send({}).expect(400);
      await request(t.url)
        .patch(path)
        .set(bearer(alice))
        .send({ content: 'new', memory_type: 'diary' })
        .expect(400);
      await request(t.url).delete(`${path}?reason=NO!`).set(bearer(alice)).expect(400);
      expect(events).toEqual([]);
    });

    it("publishes nothing for writes to unknown or another organization's memories", async () => {
      const outsider = await t.createKey('globex', 'gina');
      const ghost = '/api/v1/memories/mem_0000000000000000';
      const foreign = `/api/v1/memories/${memoryId}`;
      await request(t.url).patch(ghost).set(bearer(alice)).send({ content: 'x' }).expect(404);
      await request(t.url).delete(ghost).set(bearer(alice)).expect(404);
      await request(t.url).patch(foreign).set(bearer(outsider)).send({ content: 'x' }).expect(404);
      await request(t.url).delete(foreign).set(bearer(outsider)).expect(404);
      expect(events).toEqual([]);
    });

    it('publishes nothing for writes refused for a missing scope or key', async () => {
      const reader = await t.createKey('acme', 'reader', ['memories:read']);
      const path = `/api/v1/memories/${memoryId}`;
      await request(t.url)
        .post('/api/v1/memories')
        .set(bearer(reader))
        .send({ content: 'x' })
        .expect(403);
      await request(t.url).patch(path).set(bearer(reader)).send({ content: 'x' }).expect(403);
      await request(t.url).delete(path).set(bearer(reader)).expect(403);
      await request(t.url).post('/api/v1/memories').send({ content: 'x' }).expect(401);
      expect(events).toEqual([]);
    });
  });

  describe('the snapshot position of every memory response', () => {
    const MEMORY_EVENTS = '?events=memory.created,memory.updated,memory.deleted';

    it('lets a stream opened from a list carry exactly the changes made after it', async () => {
      await create(alice, { content: 'already listed' });
      const listed = await request(t.url).get('/api/v1/memories').set(bearer(alice)).expect(200);
      expect(listed.headers['x-stream-position']).toBe(listed.body.stream_position);

      const created = [];
      for (const content of ['one', 'two', 'three']) {
        const response = await request(t.url)
          .post('/api/v1/memories')
          .set(bearer(alice))
          .send({ content })
          .expect(201);
        created.push({ id: response.body.id, position: response.headers['x-stream-position'] });
      }
      const updated = await request(t.url)
        .patch(`/api/v1/memories/${created[0].id}`)
        .set(bearer(alice))
        .send({ content: 'one, edited' })
        .expect(200);
      const deleted = await request(t.url)
        .delete(`/api/v1/memories/${created[1].id}`)
        .set(bearer(alice))
        .expect(204);

      const stream = await openStream(`${t.url}/api/v1/stream${MEMORY_EVENTS}`, {
        headers: { ...bearer(alice), 'Last-Event-ID': listed.body.stream_position },
      });
      try {
        await stream.waitFor((e) => e.event === 'memory.deleted');
        const received = stream.dataEvents().map((e) => [e.event, e.json.id, e.id]);
        expect(received).toEqual([
          ['memory.created', created[0].id, created[0].position],
          ['memory.created', created[1].id, created[1].position],
          ['memory.created', created[2].id, created[2].position],
          ['memory.updated', created[0].id, updated.headers['x-stream-position']],
          ['memory.deleted', created[1].id, deleted.headers['x-stream-position']],
        ]);
      } finally {
        stream.close();
      }
    });

    it('gives reads the position of the last change they show', async () => {
      const memory = await create(alice, { content: 'read me' });
      const written = await request(t.url)
        .patch(`/api/v1/memories/${memory.id}`)
        .set(bearer(alice))
        .send({ content: 'read me, edited' })
        .expect(200);
      const position = written.headers['x-stream-position'];
      const read = await request(t.url)
        .get(`/api/v1/memories/${memory.id}`)
        .set(bearer(alice))
        .expect(200);
      const searched = await request(t.url)
        .post('/api/v1/memories/search')
        .set(bearer(alice))
        .send({ query: 'edited' })
        .expect(200);
      // Reads publish only activity and searches, after they have answered.
      expect(compareEventIds(read.headers['x-stream-position'], position)).toBeGreaterThanOrEqual(
        0,
      );
      expect(searched.headers['x-stream-position']).toBe(searched.body.stream_position);
      expect(compareEventIds(searched.body.stream_position, position)).toBeGreaterThanOrEqual(0);
    });
  });
});
