import request from 'supertest';
import { MemoryResponse } from '../src/memory/memory.response';
import { withFakeDate } from './support/clock';
import { bearer, expectApiError } from './support/http';
import { startTestApp, TestApp } from './support/test-app';

/** The API's own response shape. */
type MemoryBody = MemoryResponse;

describe('memories API', () => {
  let t: TestApp;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    t = await startTestApp();
    alice = await t.createKey('acme', 'alice');
    bob = await t.createKey('acme', 'bob');
  });
  afterAll(() => t.close());

  const create = async (key: string, body: object): Promise<MemoryBody> =>
    (await request(t.url).post('/api/v1/memories').set(bearer(key)).send(body).expect(201)).body;
  const list = (key: string, query = '') =>
    request(t.url).get(`/api/v1/memories${query}`).set(bearer(key));
  const ids = (response: request.Response): string[] =>
    (response.body.data as MemoryBody[]).map((memory) => memory.id);

  describe('POST /memories', () => {
    it('creates a memory with defaults and answers 201 with it', async () => {
      const response = await request(t.url)
        .post('/api/v1/memories')
        .set(bearer(alice))
        .send({ content: 'first thought' })
        .expect(201);
      expect(response.body).toEqual({
        id: expect.stringMatching(/^mem_[0-9a-f]{16}$/),
        title: null,
        content: 'first thought',
        memory_type: 'context',
        tags: [],
        metadata: {},
        organization_id: 'acme',
        created_at: expect.any(String),
        created_by: 'alice',
        updated_at: response.body.created_at,
        updated_by: 'alice',
      });
      expect(new Date(response.body.created_at).toISOString()).toBe(response.body.created_at);
    });

    it('stores title, memory_type, tags and nested metadata as given', async () => {
      const input = {
        title: 'Deploy notes',
        content: 'Roll out on Tuesdays',
        memory_type: 'workflow',
        tags: ['ops', 'deploy'],
        metadata: { category: 'note', owner: { team: 'infra', on_call: [1, 2] }, draft: false },
      };
      const created = await create(alice, input);
      expect(created).toMatchObject(input);
      const read = await request(t.url)
        .get(`/api/v1/memories/${created.id}`)
        .set(bearer(alice))
        .expect(200);
      expect(read.body).toEqual(created);
    });

    it('keeps metadata keys named like Object.prototype methods, on create and on PATCH', async () => {
      const metadata = {
        toString: 'text',
        valueOf: [1, 2],
        hasOwnProperty: true,
        nested: { toString: 'inner' },
      };
      const created = await create(alice, { content: 'car', metadata });
      expect(created.metadata).toEqual(metadata);
      const patched = await request(t.url)
        .patch(`/api/v1/memories/${created.id}`)
        .set(bearer(alice))
        .send({ metadata: { ...metadata, toString: 'changed' } })
        .expect(200);
      expect(patched.body.metadata).toEqual({ ...metadata, toString: 'changed' });
    });

    it.each(['constructor', '__proto__', 'prototype'])(
      'refuses a metadata key named %s with 400 instead of dropping it',
      async (reserved) => {
        const body = `{"content":"car","metadata":{"nested":{"${reserved}":"Ferrari"}}}`;
        const response = await request(t.url)
          .post('/api/v1/memories')
          .set(bearer(alice))
          .set('Content-Type', 'application/json')
          .send(body);
        expect(expectApiError(response, 400, 'VALIDATION_ERROR').message).toContain(
          `metadata.nested.${reserved}`,
        );
      },
    );
  });

  describe('GET /memories/:id', () => {
    it('returns the memory to another key of the same organization', async () => {
      const created = await create(alice, { content: 'shared within acme' });
      const read = await request(t.url)
        .get(`/api/v1/memories/${created.id}`)
        .set(bearer(bob))
        .expect(200);
      expect(read.body).toEqual(created);
    });

    it('answers 404 NOT_FOUND naming an unknown id', async () => {
      const response = await request(t.url)
        .get('/api/v1/memories/mem_0000000000000000')
        .set(bearer(alice));
      expect(expectApiError(response, 404, 'NOT_FOUND').message).toContain('mem_0000000000000000');
    });
  });

  describe('PATCH /memories/:id', () => {
    it('changes only the given fields and records who updated it', async () => {
      const created = await create(alice, {
        title: 'Old title',
        content: 'old content',
        tags: ['a'],
        metadata: { v: 1 },
      });
      const response = await request(t.url)
        .patch(`/api/v1/memories/${created.id}`)
        .set(bearer(bob))
        .send({ content: 'new content', tags: ['a', 'b'] })
        .expect(200);
      expect(response.body).toEqual({
        ...created,
        content: 'new content',
        tags: ['a', 'b'],
        updated_at: expect.any(String),
        updated_by: 'bob',
      });
      expect(response.body.updated_at >= created.updated_at).toBe(true);
      const read = await request(t.url)
        .get(`/api/v1/memories/${created.id}`)
        .set(bearer(alice))
        .expect(200);
      expect(read.body).toEqual(response.body);
    });

    it('replaces metadata as a whole and clears the title with null', async () => {
      const created = await create(alice, { title: 'T', content: 'c', metadata: { a: 1, b: 2 } });
      const response = await request(t.url)
        .patch(`/api/v1/memories/${created.id}`)
        .set(bearer(alice))
        .send({ title: null, metadata: { c: 3 } })
        .expect(200);
      expect(response.body).toMatchObject({ title: null, metadata: { c: 3 } });
    });

    it('answers 200 with the memory untouched when the PATCH changes nothing', async () => {
      const created = await withFakeDate(async (at) => {
        at('2024-03-01T10:00:00.000Z');
        return create(alice, { content: 'steady', tags: ['x'] });
      });
      const response = await request(t.url)
        .patch(`/api/v1/memories/${created.id}`)
        .set(bearer(bob))
        .send({ content: 'steady', tags: ['x'] })
        .expect(200);
      expect(response.body).toEqual(created);
    });

    it('answers 404 NOT_FOUND for an unknown id', async () => {
      const response = await request(t.url)
        .patch('/api/v1/memories/mem_0000000000000000')
        .set(bearer(alice))
        .send({ content: 'x' });
      expectApiError(response, 404, 'NOT_FOUND');
    });
  });

  describe('DELETE /memories/:id', () => {
    it('answers 204 with no body, after which the memory is gone', async () => {
      const created = await create(alice, { content: 'short-lived' });
      const response = await request(t.url)
        .delete(`/api/v1/memories/${created.id}`)
        .set(bearer(alice))
        .expect(204);
      expect(response.text).toBe('');
      const read = await request(t.url).get(`/api/v1/memories/${created.id}`).set(bearer(alice));
      expectApiError(read, 404, 'NOT_FOUND');
    });

    it('accepts a reason and answers 404 NOT_FOUND the second time', async () => {
      const created = await create(alice, { content: 'delete me twice' });
      const path = `/api/v1/memories/${created.id}?reason=duplicate`;
      await request(t.url).delete(path).set(bearer(alice)).expect(204);
      expectApiError(await request(t.url).delete(path).set(bearer(alice)), 404, 'NOT_FOUND');
    });
  });

  describe('tag filters after changes', () => {
    it('finds a memory by the tags it has now: not by replaced ones, and not once deleted', async () => {
      const owner = await t.createKey('retagger', 'alice');
      const memory = await create(owner, { content: 'retagged', tags: ['old', 'kept'] });
      const byTag = async (tag: string) => ids(await list(owner, `?tags=${tag}`).expect(200));
      expect(await byTag('old')).toEqual([memory.id]);
      await request(t.url)
        .patch(`/api/v1/memories/${memory.id}`)
        .set(bearer(owner))
        .send({ tags: ['kept', 'new'] })
        .expect(200);
      expect({
        old: await byTag('old'),
        kept: await byTag('kept'),
        new: await byTag('new'),
      }).toEqual({ old: [], kept: [memory.id], new: [memory.id] });
      await request(t.url)
        .patch(`/api/v1/memories/${memory.id}`)
        .set(bearer(owner))
        .send({ content: 'same tags' })
        .expect(200);
      expect(await byTag('new')).toEqual([memory.id]);
      await request(t.url).delete(`/api/v1/memories/${memory.id}`).set(bearer(owner)).expect(204);
      expect(await byTag('kept')).toEqual([]);
    });
  });

  describe('GET /memories', () => {
    let lister: string;
    let listerBob: string;
    /** Created one second apart, oldest first: m[0] .. m[4]. */
    let m: MemoryBody[];

    beforeAll(async () => {
      lister = await t.createKey('lister', 'alice');
      listerBob = await t.createKey('lister', 'bob');
      const fixtures: [string, object][] = [
        [lister, { content: 'm0', memory_type: 'context', tags: ['a'] }],
        [listerBob, { content: 'm1', memory_type: 'project', tags: ['a', 'b'] }],
        [lister, { content: 'm2', memory_type: 'project', tags: ['b'] }],
        [lister, { content: 'm3', memory_type: 'knowledge', tags: ['c', 'b', 'a'] }],
        [listerBob, { content: 'm4', memory_type: 'context' }],
      ];
      m = await withFakeDate(async (at) => {
        const created: MemoryBody[] = [];
        for (const [index, [key, body]] of fixtures.entries()) {
          at(`2024-01-01T00:00:0${index}.000Z`);
          created.push(await create(key, body));
        }
        return created;
      });
    });

    it('lists newest first with total, limit, page 1 and no next page when all fit', async () => {
      const response = await list(lister).expect(200);
      expect(response.body.data).toEqual([m[4], m[3], m[2], m[1], m[0]]);
      expect(response.body.pagination).toEqual({
        total: 5,
        limit: 20,
        page: 1,
        has_more: false,
        next_cursor: null,
      });
    });

    it('pages with page and limit', async () => {
      const first = await list(lister, '?limit=2').expect(200);
      expect(ids(first)).toEqual([m[4].id, m[3].id]);
      expect(first.body.pagination).toEqual({
        total: 5,
        limit: 2,
        page: 1,
        has_more: true,
        next_cursor: expect.any(String),
      });
      const second = await list(lister, '?page=2&limit=2').expect(200);
      expect(ids(second)).toEqual([m[2].id, m[1].id]);
      expect(second.body.pagination).toMatchObject({ page: 2, has_more: true });
      const last = await list(lister, '?page=3&limit=2').expect(200);
      expect(ids(last)).toEqual([m[0].id]);
      expect(last.body.pagination).toEqual({
        total: 5,
        limit: 2,
        page: 3,
        has_more: false,
        next_cursor: null,
      });
    });

    it('answers an empty page past the end with the total still counted', async () => {
      const response = await list(lister, '?page=9&limit=2').expect(200);
      expect(response.body).toEqual({
        data: [],
        pagination: { total: 5, limit: 2, page: 9, has_more: false, next_cursor: null },
        stream_position: expect.stringMatching(/^\d+-\d+$/),
      });
    });

    it('walks every memory exactly once, newest first, by following next_cursor', async () => {
      const seen: string[] = [];
      let response = await list(lister, '?limit=2').expect(200);
      seen.push(...ids(response));
      while (response.body.pagination.next_cursor) {
        const cursor = encodeURIComponent(response.body.pagination.next_cursor);
        response = await list(lister, `?limit=2&cursor=${cursor}`).expect(200);
        expect(response.body.pagination).toMatchObject({ total: 5, limit: 2, page: null });
        seen.push(...ids(response));
      }
      expect(seen).toEqual([m[4].id, m[3].id, m[2].id, m[1].id, m[0].id]);
      expect(response.body.pagination.has_more).toBe(false);
    });

    it('keeps a cursor in place when newer memories arrive between pages', async () => {
      const key = await t.createKey('cursor-org', 'carol');
      const first = await withFakeDate(async (at) => {
        const made: MemoryBody[] = [];
        for (const second of [1, 2, 3]) {
          at(`2024-02-01T00:00:0${second}.000Z`);
          made.push(await create(key, { content: `c${second}` }));
        }
        const page = await list(key, '?limit=2').expect(200);
        at('2024-02-01T00:00:09.000Z');
        await create(key, { content: 'newer' });
        return { made, cursor: page.body.pagination.next_cursor as string };
      });
      const next = await list(key, `?limit=2&cursor=${encodeURIComponent(first.cursor)}`).expect(
        200,
      );
      expect(ids(next)).toEqual([first.made[0].id]);
      expect(next.body.pagination).toMatchObject({ total: 4, has_more: false, next_cursor: null });
    });

    it('rejects page and cursor together with 400', async () => {
      const first = await list(lister, '?limit=2').expect(200);
      const cursor = encodeURIComponent(first.body.pagination.next_cursor);
      const response = await list(lister, `?page=2&cursor=${cursor}`);
      const body = expectApiError(response, 400, 'VALIDATION_ERROR');
      expect(body.message).toMatch(/page/);
      expect(body.message).toMatch(/cursor/);
    });

    it.each(['not-a-cursor', Buffer.from('{"a":1}').toString('base64url')])(
      'rejects the malformed cursor %s with 400 naming cursor',
      async (cursor) => {
        const response = await list(lister, `?cursor=${cursor}`);
        expect(expectApiError(response, 400, 'VALIDATION_ERROR').message).toMatch(/cursor/);
      },
    );

    it('filters by memory_type', async () => {
      const response = await list(lister, '?memory_type=project').expect(200);
      expect(ids(response)).toEqual([m[2].id, m[1].id]);
      expect(response.body.pagination.total).toBe(2);
    });

    it('filters by tags given as a comma list, keeping memories that hold every tag', async () => {
      const response = await list(lister, '?tags=a,b').expect(200);
      expect(ids(response)).toEqual([m[3].id, m[1].id]);
      expect(response.body.pagination.total).toBe(2);
    });

    it('filters by tags given as repeated parameters the same way', async () => {
      const response = await list(lister, '?tags=a&tags=b').expect(200);
      expect(ids(response)).toEqual([m[3].id, m[1].id]);
    });

    it('filters by a single tag', async () => {
      const response = await list(lister, '?tags=a').expect(200);
      expect(ids(response)).toEqual([m[3].id, m[1].id, m[0].id]);
    });

    it('filters by created_by', async () => {
      const response = await list(lister, '?created_by=bob').expect(200);
      expect(ids(response)).toEqual([m[4].id, m[1].id]);
    });

    it('combines filters and counts the total over the filtered set only', async () => {
      const response = await list(lister, '?memory_type=project&tags=a&created_by=bob&limit=1');
      expect(response.status).toBe(200);
      expect(ids(response)).toEqual([m[1].id]);
      expect(response.body.pagination).toEqual({
        total: 1,
        limit: 1,
        page: 1,
        has_more: false,
        next_cursor: null,
      });
    });

    it('pages filtered results by cursor without leaving the filter', async () => {
      const first = await list(lister, '?tags=a&limit=1').expect(200);
      const cursor = encodeURIComponent(first.body.pagination.next_cursor);
      const second = await list(lister, `?tags=a&limit=1&cursor=${cursor}`).expect(200);
      expect([...ids(first), ...ids(second)]).toEqual([m[3].id, m[1].id]);
      expect(second.body.pagination).toMatchObject({ total: 3, has_more: true });
    });

    it('returns at most 20 memories by default', async () => {
      const key = await t.createKey('many-org', 'dave');
      for (let i = 0; i < 21; i += 1) await create(key, { content: `n${i}` });
      const response = await list(key).expect(200);
      expect(response.body.data).toHaveLength(20);
      expect(response.body.pagination).toMatchObject({ total: 21, limit: 20, has_more: true });
    });
  });

  describe('across organizations', () => {
    let owner: string;
    let outsider: string;
    let secret: MemoryBody;

    beforeAll(async () => {
      owner = await t.createKey('initech', 'peter');
      outsider = await t.createKey('globex', 'hank', [
        'memories:read',
        'memories:write',
        'stream:read',
      ]);
      secret = await create(owner, { content: 'initech only', tags: ['private'] });
    });

    it('answers 404 to another organization reading a memory', async () => {
      const response = await request(t.url)
        .get(`/api/v1/memories/${secret.id}`)
        .set(bearer(outsider));
      expectApiError(response, 404, 'NOT_FOUND');
    });

    it('answers 404 to another organization patching a memory, which stays unchanged', async () => {
      const response = await request(t.url)
        .patch(`/api/v1/memories/${secret.id}`)
        .set(bearer(outsider))
        .send({ content: 'hijacked' });
      expectApiError(response, 404, 'NOT_FOUND');
      const read = await request(t.url)
        .get(`/api/v1/memories/${secret.id}`)
        .set(bearer(owner))
        .expect(200);
      expect(read.body).toEqual(secret);
    });

    it('answers 404 to another organization deleting a memory, which stays in place', async () => {
      const response = await request(t.url)
        .delete(`/api/v1/memories/${secret.id}`)
        .set(bearer(outsider));
      expectApiError(response, 404, 'NOT_FOUND');
      await request(t.url).get(`/api/v1/memories/${secret.id}`).set(bearer(owner)).expect(200);
    });

    it("leaves another organization's memories out of lists, filters and totals", async () => {
      await create(outsider, { content: 'globex own', tags: ['private'] });
      for (const query of ['', '?tags=private', '?created_by=peter']) {
        const response = await list(outsider, query).expect(200);
        expect(ids(response)).not.toContain(secret.id);
        expect((response.body.data as MemoryBody[]).map((x) => x.organization_id)).not.toContain(
          'initech',
        );
      }
      const all = await list(outsider).expect(200);
      expect(all.body.pagination.total).toBe(1);
    });
  });
});
