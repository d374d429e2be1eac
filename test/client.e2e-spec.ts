import { ApiKeyService } from '../src/auth/api-key.service';
import {
  DataEvent,
  MemoryApiError,
  MemoryClient,
  MemoryStream,
  MemoryStreamError,
  StreamEvent,
  StreamEventMap,
  StreamEventName,
} from '@mnemo/client';
import { EventLog } from '../src/events/event-log';
import { StreamHub } from '../src/stream/stream-hub';
import { bearer } from './support/http';
import { openStream } from './support/sse-client';
import { fakeClock } from './support/fake-clock';
import { memoryCreated, publishBurst } from './support/stream-helpers';
import { waitUntil, waitUntilAsync, within } from './support/waits';
import { startTestApp, TestApp } from './support/test-app';

/** Resolves with the next event of `type`; `what` names it when it does not come. */
function next<K extends StreamEventName>(
  stream: MemoryStream,
  type: K,
  what = `a ${type} event`,
): Promise<StreamEventMap[K]> {
  return within(
    new Promise((resolve) => {
      const handler = (event: StreamEventMap[K]) => {
        stream.off(type, handler);
        resolve(event);
      };
      stream.on(type, handler);
    }),
    5000,
    what,
  );
}

describe('MemoryClient against the real server', () => {
  let t: TestApp;
  let keys: ApiKeyService;
  let key: string;
  let client: MemoryClient;
  const streams: MemoryStream[] = [];
  /** Requests to the stream route, counted by the server. */
  let streamRequests = 0;

  const open = (...args: Parameters<MemoryClient['createStream']>) => {
    const stream = client.createStream(...args);
    streams.push(stream);
    return stream;
  };

  beforeAll(async () => {
    t = await startTestApp({ STREAM_HEARTBEAT_MIN_SECONDS: '1' });
    keys = t.app.get(ApiKeyService);
    key = await t.createKey('acme', 'alice');
    client = new MemoryClient({ apiKey: key, baseUrl: `${t.url}/` });
    t.app.getHttpServer().on('request', (request: { url?: string }) => {
      if (request.url?.split('?')[0] === '/api/v1/stream') streamRequests += 1;
    });
  });
  afterEach(() => {
    for (const stream of streams.splice(0)) stream.close();
  });
  afterAll(() => t?.close());

  describe('memories and search', () => {
    it('creates, reads, lists, updates and deletes a memory', async () => {
      const created = await client.createMemory({
        title: 'Auth notes',
        content: 'Tokens rotate every hour',
        memory_type: 'knowledge',
        tags: ['auth', 'work'],
        metadata: { category: 'note' },
      });
      expect(created).toMatchObject({
        id: expect.stringMatching(/^mem_[0-9a-f]{16}$/),
        title: 'Auth notes',
        memory_type: 'knowledge',
        organization_id: 'acme',
        created_by: 'alice',
      });
      expect(await client.getMemory(created.id)).toEqual(created);

      const listed = await client.listMemories({ tags: ['auth', 'work'], limit: 5 });
      expect(listed.data.map((m) => m.id)).toContain(created.id);
      expect(listed.pagination).toMatchObject({ limit: 5, page: 1 });

      const updated = await client.updateMemory(created.id, { content: 'Every 30 minutes' });
      expect(updated).toMatchObject({ id: created.id, content: 'Every 30 minutes' });

      await expect(
        client.deleteMemory(created.id, { reason: 'outdated' }),
      ).resolves.toBeUndefined();
      await expect(client.getMemory(created.id)).rejects.toMatchObject({
        status: 404,
        code: 'NOT_FOUND',
      });
    });

    it('pages with the cursor the server hands back', async () => {
      const tag = 'paging';
      for (const n of [1, 2, 3]) await client.createMemory({ content: `page ${n}`, tags: [tag] });
      const first = await client.listMemories({ tags: [tag], limit: 2 });
      const second = await client.listMemories({
        tags: [tag],
        limit: 2,
        cursor: first.pagination.next_cursor ?? undefined,
      });
      expect([...first.data, ...second.data].map((m) => m.content)).toEqual([
        'page 3',
        'page 2',
        'page 1',
      ]);
      expect(second.pagination.has_more).toBe(false);
    });

    it('searches', async () => {
      const memory = await client.createMemory({
        content: 'The quarterly zeppelin budget',
        metadata: { category: 'finance' },
      });
      const found = await client.searchMemories({
        query: 'zeppelin',
        limit: 5,
        filters: { category: 'finance' },
      });
      expect(found.total_results).toBe(1);
      expect(found.results[0]).toMatchObject({ id: memory.id, relevance_score: 1 });
      expect(found.search_time_ms).toEqual(expect.any(Number));
    });

    it('issues a stream ticket', async () => {
      const ticket = await client.createStreamTicket();
      expect(ticket.ticket).toEqual(expect.stringMatching(/^\S{32,}$/));
      expect(Date.parse(ticket.expires_at)).toBeGreaterThan(Date.now());
    });

    it("throws a MemoryApiError with the API's code, message and request id", async () => {
      const error: unknown = await client
        .createMemory({ content: '' })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(MemoryApiError);
      expect(error).toMatchObject({
        status: 400,
        code: 'VALIDATION_ERROR',
        message: expect.stringContaining('content'),
        requestId: expect.stringMatching(/\S/),
      });
      const stranger = new MemoryClient({ apiKey: 'mnemo_not_a_key', baseUrl: t.url });
      await expect(stranger.listMemories()).rejects.toMatchObject({
        status: 401,
        code: 'AUTH_ERROR',
      });
    });
  });

  describe('createStream', () => {
    it('delivers typed events to handlers and to for await, as filtered', async () => {
      const stream = open({
        events: ['memory.created', 'memory.updated'],
        filters: { category: 'note' },
        heartbeat: 1,
      });
      const titles: Array<string | null> = [];
      stream.on('memory.created', (event) => {
        titles.push(event.data.title);
        // @ts-expect-error a memory.created event carries no change flags
        void event.data.changes;
      });
      await next(stream, 'heartbeat');
      const seen: StreamEvent[] = [];
      const iterated = (async () => {
        for await (const event of stream) {
          seen.push(event);
          // The union narrows on `type`: only memory.updated has `changes`.
          if (event.type === 'memory.updated') return event.data.changes;
        }
      })();

      await client.createMemory({ content: 'a todo', metadata: { category: 'todo' } });
      const note = await client.createMemory({
        title: 'A note',
        content: 'a note',
        metadata: { category: 'note' },
      });
      await client.updateMemory(note.id, { tags: ['kept'] });

      await expect(within(iterated, 5000, 'the memory.updated event')).resolves.toMatchObject({
        tags: true,
        content: false,
      });
      expect(seen.map((e) => [e.type, (e.data as { id: string }).id])).toEqual([
        ['memory.created', note.id],
        ['memory.updated', note.id],
      ]);
      expect(titles).toEqual(['A note']);
      // Leaving the loop closed the stream.
      expect(stream.readyState).toBe('closed');
    });

    it('resumes after a server-side close with nothing lost and nothing duplicated', async () => {
      const stream = open({ events: ['memory.created'], heartbeat: 1 });
      const received: Array<DataEvent<'memory.created'>> = [];
      const connections = new Set<string>();
      const errors: MemoryStreamError[] = [];
      let opened = 0;
      stream.on('open', () => (opened += 1));
      stream.on('memory.created', (event) => received.push(event));
      stream.on('heartbeat', (event) => connections.add(event.data.connection_id));
      stream.on('error', (error) => errors.push(error));
      await next(stream, 'heartbeat');

      const before = [await client.createMemory({ content: 'one' })];
      await waitUntil(() => received.length === 1, 5000, 'the first event');
      t.app.get(StreamHub).closeAll('shutdown', () => ({
        code: 'CONNECTION_ERROR',
        message: 'test',
        retry_after: 0,
      }));
      // Published in the same tick as the close: the client cannot be back yet, so only a resume
      // from its last id can deliver these.
      const gap = await publishBurst(t.app.get(EventLog), [
        memoryCreated('acme', 1),
        memoryCreated('acme', 2),
      ]);
      const after = [await client.createMemory({ content: 'three' })];
      await waitUntil(() => connections.size === 2, 5000, 'a second connection');
      const fence = await client.createMemory({ content: 'fence' });
      await waitUntil(
        () => received.some((e) => e.data.id === fence.id),
        5000,
        'the event created after the reconnect',
      );

      expect(received.map((e) => e.data.id)).toEqual([
        ...before.map((m) => m.id),
        ...gap.map((e) => (e.data as { id: string }).id),
        ...after.map((m) => m.id),
        fence.id,
      ]);
      expect(new Set(received.map((e) => e.id)).size).toBe(received.length);
      expect(errors.map((e) => [e.code, e.fatal, e.retryAfter])).toEqual([
        ['CONNECTION_ERROR', false, 0],
      ]);
      expect(opened).toBe(2);
    });

    it('continues a list from its stream_position: every later change, none it already shows', async () => {
      await client.createMemory({ content: 'shown by the list' });
      const listed = await client.listMemories({ limit: 5 });
      const created = await client.createMemory({ content: 'after the list' });
      await client.updateMemory(created.id, { tags: ['edited'] });
      const stream = open({
        events: ['memory.created', 'memory.updated'],
        lastEventId: listed.stream_position,
        heartbeat: 1,
      });
      const seen: Array<[string, string]> = [];
      for await (const event of stream) {
        seen.push([event.type, (event.data as { id: string }).id]);
        if (event.type === 'memory.updated') break;
      }
      expect(seen).toEqual([
        ['memory.created', created.id],
        ['memory.updated', created.id],
      ]);
    });

    it('passes stream.reset on as a reset event when it cannot resume', async () => {
      const stream = open({ lastEventId: 'not-an-event-id', heartbeat: 1 });
      const reset = await next(stream, 'reset');
      expect(reset).toMatchObject({ type: 'reset', data: { reason: 'unknown' } });
      expect(stream.lastEventId).not.toBe('not-an-event-id');
    });

    it('frees its connection slot on the server at close()', async () => {
      const slotKey = await t.createKey('acme', 'sam');
      const stream = new MemoryClient({ apiKey: slotKey, baseUrl: t.url }).createStream({
        heartbeat: 1,
      });
      streams.push(stream);
      await next(stream, 'heartbeat');
      const limit = t.config.stream.maxConnectionsPerKey;
      const others = await Promise.all(
        Array.from({ length: limit - 1 }, () =>
          openStream(`${t.url}/api/v1/stream`, { headers: bearer(slotKey) }),
        ),
      );
      expect(others.map((s) => s.status)).toEqual(others.map(() => 200));
      stream.close();
      expect(stream.readyState).toBe('closed');
      await waitUntilAsync(
        async () => {
          const last = await openStream(`${t.url}/api/v1/stream`, { headers: bearer(slotKey) });
          others.push(last);
          if (last.status === 200) return true;
          await last.ended;
          return false;
        },
        1000,
        'the slot to be released',
      ).finally(() => others.forEach((s) => s.close()));
    });

    describe('AUTH_ERROR stops it for good', () => {
      /**
       * Every wait before a reconnect, even of 0 ms, is a timer on the client's clock: with none
       * left and the stream closed, no retry can come.
       */
      const openOnAFakeClock = (apiKey: string, heartbeat?: number) => {
        const clock = fakeClock();
        const stream = new MemoryClient({ apiKey, baseUrl: t.url, clock }).createStream({
          heartbeat,
        });
        streams.push(stream);
        const statesInHandler: string[] = [];
        stream.on('error', () => statesInHandler.push(stream.readyState));
        return { stream, clock, statesInHandler };
      };

      it('when the key is refused (401)', async () => {
        const requestsBefore = streamRequests;
        const { stream, clock, statesInHandler } = openOnAFakeClock('mnemo_not_a_key');
        const iterated = (async () => {
          for await (const event of stream) void event;
        })();
        const error = await next(stream, 'error');
        expect(error).toMatchObject({ code: 'AUTH_ERROR', status: 401, fatal: true });
        expect(statesInHandler).toEqual(['closed']);
        await expect(iterated).rejects.toBe(error);
        expect(clock.pending()).toBe(0);
        expect(streamRequests - requestsBefore).toBe(1);
      });

      it('when the key is revoked mid-stream (the AUTH_ERROR event)', async () => {
        const created = await keys.create({ organizationId: 'acme', userId: 'bob' });
        const { stream, clock, statesInHandler } = openOnAFakeClock(created.key, 1);
        await next(stream, 'heartbeat');
        const requestsBefore = streamRequests;
        await keys.revoke(created.id);
        const error = await next(stream, 'error', 'the AUTH_ERROR event');
        expect(error).toMatchObject({ code: 'AUTH_ERROR', fatal: true });
        expect(statesInHandler).toEqual(['closed']);
        expect(stream.readyState).toBe('closed');
        expect(clock.pending()).toBe(0);
        expect(streamRequests).toBe(requestsBefore);
      });
    });
  });
});
