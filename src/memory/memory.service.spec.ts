import BetterSqlite3 from 'better-sqlite3';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Subscription } from 'rxjs';
import { AppContext, createAppContext } from '../../test/support/app-context';
import { withFakeDate } from '../../test/support/clock';
import { Caller } from '../auth/caller';
import { ApiError } from '../common/api-error';
import { DatabaseModule } from '../database/database.module';
import { EventFeed } from '../events/event-feed';
import { EventsModule } from '../events/events.module';
import { MetricsModule } from '../metrics/metrics.module';
import { RedisModule } from '../redis/redis.module';
import { DomainEvent } from '../events/event-map';
import { encodeCursor } from './memory.cursor';
import { ListMemoriesQuery } from './memory.dto';
import { MemoryRepository } from './memory.repository';
import { MemoryService } from './memory.service';
import { Memory } from './memory.types';

const alice: Caller = {
  keyId: 'key_a',
  organizationId: 'acme',
  userId: 'alice',
  scopes: ['memories:read', 'memories:write'],
};
const bob: Caller = { ...alice, keyId: 'key_b', userId: 'bob' };
const outsider: Caller = { ...alice, keyId: 'key_c', organizationId: 'globex', userId: 'gina' };

const NO_CHANGES = {
  title: false,
  content: false,
  memory_type: false,
  metadata: false,
  tags: false,
};

/** What a plain SQLite reader sees at the moment of each memory event: only committed data. */
interface Observed {
  event: DomainEvent;
  committedRow: { content: string } | undefined;
}

/** The real MemoryService, MemoryRepository and event log over a real SQLite file. */
describe('MemoryService', () => {
  let context: AppContext;
  let service: MemoryService;
  /** A second connection to the same file, for what is committed and for injecting failures. */
  let raw: BetterSqlite3.Database;
  let subscription: Subscription;
  let observed: Observed[];

  const events = () => observed.map((o) => o.event);
  const failOn = (trigger: string) => raw.exec(trigger);
  /**
   * The message a promise rejects with. Not `rejects.toThrow`: better-sqlite3's native addon keeps
   * the error class of the first test file that loaded it in a Jest worker, so its errors may come
   * from another realm and fail `instanceof Error` here.
   */
  const rejectionOf = (promise: Promise<unknown>): Promise<string> =>
    promise.then(
      () => 'resolved without an error',
      (thrown: unknown) => String((thrown as { message?: unknown } | undefined)?.message),
    );
  const reject = async (promise: Promise<unknown>): Promise<ApiError> => {
    const error = await promise.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  };

  beforeEach(async () => {
    // What MemoryService needs: the database, the event log, and somewhere to announce reads.
    context = await createAppContext(
      {},
      {
        imports: [
          MetricsModule,
          DatabaseModule,
          RedisModule,
          EventsModule,
          EventEmitterModule.forRoot(),
        ],
        providers: [MemoryRepository, MemoryService],
      },
    );
    service = context.module.get(MemoryService);
    raw = new BetterSqlite3(context.databaseFile);
    const feed = context.module.get(EventFeed);
    observed = [];
    // Only the memory.* events of writes are under test here.
    subscription = feed.events$.subscribe((event) => {
      if (!event.type.startsWith('memory.')) return;
      const id = (event.data as { id: string }).id;
      const committedRow = raw.prepare('select content from memories where id = ?').get(id) as
        { content: string } | undefined;
      observed.push({ event, committedRow });
    });
  });
  afterEach(async () => {
    subscription?.unsubscribe();
    raw?.close();
    await context?.close();
  });

  describe('create', () => {
    it("stores a memory with defaults, owned by the caller's organization and user", async () => {
      const memory = (await service.create(alice, { content: 'hello' })).result;
      expect(memory).toEqual({
        id: expect.stringMatching(/^mem_[0-9a-f]{16}$/),
        organization_id: 'acme',
        title: null,
        content: 'hello',
        memory_type: 'context',
        tags: [],
        metadata: {},
        created_at: expect.any(String),
        created_by: 'alice',
        updated_at: memory.created_at,
        updated_by: 'alice',
      });
      expect((await service.get(bob, memory.id)).result).toEqual(memory);
    });

    it('publishes one memory.created for the organization once the memory is committed', async () => {
      const memory = (
        await service.create(alice, {
          content: 'c',
          title: 't',
          tags: ['x'],
          metadata: { k: 1 },
        })
      ).result;
      expect(observed).toEqual([
        {
          event: expect.objectContaining({
            type: 'memory.created',
            organizationId: 'acme',
            data: {
              id: memory.id,
              title: 't',
              content: 'c',
              memory_type: 'context',
              metadata: { k: 1 },
              tags: ['x'],
              created_at: memory.created_at,
              created_by: 'alice',
            },
          }),
          committedRow: { content: 'c' },
        },
      ]);
    });

    it('publishes nothing when the database refuses the insert', async () => {
      failOn(`create trigger refuse before insert on memories
              begin select raise(abort, 'disk full'); end`);
      expect(await rejectionOf(service.create(alice, { content: 'lost' }))).toMatch(/disk full/);
      expect(events()).toEqual([]);
    });

    it('rolls the memory back and publishes nothing when storing its tags fails', async () => {
      failOn(`create trigger refuse before insert on memory_tags
              begin select raise(abort, 'tags unavailable'); end`);
      const failure = rejectionOf(service.create(alice, { content: 'half', tags: ['a'] }));
      expect(await failure).toMatch(/tags unavailable/);
      expect(raw.prepare('select count(*) as n from memories').get()).toEqual({ n: 0 });
      expect(events()).toEqual([]);
    });
  });

  describe('get', () => {
    it("answers 404 NOT_FOUND for another organization's memory", async () => {
      const memory = (await service.create(alice, { content: 'acme only' })).result;
      const error = await reject(service.get(outsider, memory.id));
      expect({ status: error.getStatus(), code: error.code }).toEqual({
        status: 404,
        code: 'NOT_FOUND',
      });
    });
  });

  describe('update', () => {
    it('applies the edit, stamps the editor and publishes memory.updated after the commit', async () => {
      const memory = (await service.create(alice, { content: 'v1', tags: ['a'] })).result;
      observed = [];
      const updated = (await service.update(bob, memory.id, { content: 'v2', tags: ['a'] })).result;
      expect(updated).toEqual({
        ...memory,
        content: 'v2',
        updated_at: expect.any(String),
        updated_by: 'bob',
      });
      expect(observed).toEqual([
        {
          event: expect.objectContaining({
            type: 'memory.updated',
            organizationId: 'acme',
            data: {
              id: memory.id,
              title: null,
              content: 'v2',
              memory_type: 'context',
              metadata: {},
              tags: ['a'],
              updated_at: updated.updated_at,
              updated_by: 'bob',
              changes: { ...NO_CHANGES, content: true },
            },
          }),
          committedRow: { content: 'v2' },
        },
      ]);
    });

    it('returns the memory untouched and publishes nothing when the edit changes nothing', async () => {
      const memory = await withFakeDate(async (at) => {
        at('2024-05-01T00:00:00.000Z');
        return (
          await service.create(alice, { content: 'same', metadata: { a: 1, b: { c: [1, 2] } } })
        ).result;
      });
      observed = [];
      const result = (
        await service.update(bob, memory.id, {
          content: 'same',
          metadata: { b: { c: [1, 2] }, a: 1 },
        })
      ).result;
      expect(result).toEqual(memory);
      expect((await service.get(alice, memory.id)).result).toEqual(memory);
      expect(events()).toEqual([]);
    });

    it('rejects an edit naming no field with 400 VALIDATION_ERROR', async () => {
      const memory = (await service.create(alice, { content: 'x' })).result;
      observed = [];
      const error = await reject(service.update(alice, memory.id, {}));
      expect({ status: error.getStatus(), code: error.code }).toEqual({
        status: 400,
        code: 'VALIDATION_ERROR',
      });
      expect(events()).toEqual([]);
    });

    it("answers 404 for another organization's memory, changing and publishing nothing", async () => {
      const memory = (await service.create(alice, { content: 'mine' })).result;
      observed = [];
      expect((await reject(service.update(outsider, memory.id, { content: 'x' }))).code).toBe(
        'NOT_FOUND',
      );
      expect((await service.get(alice, memory.id)).result).toEqual(memory);
      expect(events()).toEqual([]);
    });

    it('rolls the whole edit back and publishes nothing when writing the tags fails', async () => {
      const memory = (await service.create(alice, { content: 'before', tags: ['ok'] })).result;
      observed = [];
      failOn(`create trigger refuse before insert on memory_tags when new.tag = 'boom'
              begin select raise(abort, 'tags unavailable'); end`);
      const failure = rejectionOf(
        service.update(alice, memory.id, { content: 'after', tags: ['boom'] }),
      );
      expect(await failure).toMatch(/tags unavailable/);
      expect((await service.get(alice, memory.id)).result).toEqual(memory);
      expect(raw.prepare('select tag from memory_tags').all()).toEqual([{ tag: 'ok' }]);
      expect(events()).toEqual([]);
    });
  });

  describe('delete', () => {
    it('deletes the memory with its tags and publishes memory.deleted after the commit', async () => {
      const memory = (await service.create(alice, { content: 'gone', tags: ['a', 'b'] })).result;
      observed = [];
      await service.delete(bob, memory.id);
      expect(observed).toEqual([
        {
          event: expect.objectContaining({
            type: 'memory.deleted',
            organizationId: 'acme',
            data: {
              id: memory.id,
              deleted_at: expect.any(String),
              deleted_by: 'bob',
              reason: 'user_request',
            },
          }),
          committedRow: undefined,
        },
      ]);
      expect(raw.prepare('select count(*) as n from memory_tags').get()).toEqual({ n: 0 });
    });

    it('carries the reason given', async () => {
      const memory = (await service.create(alice, { content: 'dup' })).result;
      observed = [];
      await service.delete(alice, memory.id, 'duplicate');
      expect(events()).toEqual([
        expect.objectContaining({ data: expect.objectContaining({ reason: 'duplicate' }) }),
      ]);
    });

    it("answers 404 for another organization's memory, keeping it and publishing nothing", async () => {
      const memory = (await service.create(alice, { content: 'kept' })).result;
      observed = [];
      expect((await reject(service.delete(outsider, memory.id))).code).toBe('NOT_FOUND');
      expect((await service.get(alice, memory.id)).result).toEqual(memory);
      expect(events()).toEqual([]);
    });

    it('publishes nothing when the database refuses the delete', async () => {
      const memory = (await service.create(alice, { content: 'stuck' })).result;
      observed = [];
      failOn(`create trigger refuse before delete on memories
              begin select raise(abort, 'locked'); end`);
      expect(await rejectionOf(service.delete(alice, memory.id))).toMatch(/locked/);
      expect(events()).toEqual([]);
    });
  });

  describe('list', () => {
    const query = (q: Partial<ListMemoriesQuery>): ListMemoriesQuery => ({ limit: 20, ...q });

    it('refuses page and cursor together with 400', async () => {
      const error = await reject(service.list(alice, query({ page: 1, cursor: 'abc' })));
      expect({ status: error.getStatus(), code: error.code }).toEqual({
        status: 400,
        code: 'VALIDATION_ERROR',
      });
    });

    it('refuses a cursor it did not issue with 400', async () => {
      expect((await reject(service.list(alice, query({ cursor: '!!!' })))).getStatus()).toBe(400);
    });

    it('walks memories created in the same millisecond exactly once by cursor', async () => {
      const created = await withFakeDate(async (at) => {
        at('2024-06-01T00:00:00.000Z');
        const made: Memory[] = [];
        for (const content of ['a', 'b', 'c', 'd'])
          made.push((await service.create(alice, { content })).result);
        return made;
      });
      const seen: string[] = [];
      let page = (await service.list(alice, query({ limit: 1 }))).result;
      seen.push(...page.items.map((m) => m.id));
      while (page.hasMore) {
        const last = page.items.at(-1)!;
        page = (await service.list(alice, query({ limit: 1, cursor: encodeCursor(last) }))).result;
        seen.push(...page.items.map((m) => m.id));
      }
      expect(seen).toEqual(
        created
          .map((m) => m.id)
          .sort()
          .reverse(),
      );
    });

    it("counts and returns only the caller's organization, with every tag required", async () => {
      await service.create(alice, { content: 'ab', tags: ['a', 'b'] });
      await service.create(alice, { content: 'a', tags: ['a'] });
      await service.create(outsider, { content: 'ab elsewhere', tags: ['a', 'b'] });
      const page = (await service.list(alice, query({ tags: ['a', 'b'] }))).result;
      expect(page.items.map((m) => m.content)).toEqual(['ab']);
      expect(page.total).toBe(1);
      expect(page.hasMore).toBe(false);
    });
  });
});
