import { connect as connectTcp } from 'node:net';
import request from 'supertest';
import { EventLog } from '../src/events/event-log';
import { StreamHub } from '../src/stream/stream-hub';
import { compareEventIds } from '../src/events/event-id';
import { BACKEND } from './support/backend';
import { postMemory } from './support/http';
import { isType, openStream, SseStream } from './support/sse-client';
import { waitUntil } from './support/waits';
import { startTestApp, TestApp } from './support/test-app';

const STREAM = '/api/v1/stream';

describe('GET /api/v1/stream', () => {
  let t: TestApp;
  let key: string;
  const open: SseStream[] = [];

  const connect = async (query = '', headers: Record<string, string> = {}): Promise<SseStream> => {
    const stream = await openStream(`${t.url}${STREAM}${query}`, {
      headers: { Authorization: `Bearer ${key}`, ...headers },
    });
    open.push(stream);
    return stream;
  };
  const createMemory = (body: Record<string, unknown>, withKey = key) =>
    postMemory(t.url, withKey, body);

  beforeAll(async () => {
    t = await startTestApp({ STREAM_HEARTBEAT_MIN_SECONDS: '1', EVENT_RETENTION_COUNT: '50' });
    key = await t.createKey('acme', 'alice');
  });
  afterEach(() => {
    for (const stream of open.splice(0)) stream.close();
  });
  afterAll(() => t.close());

  describe('wire format', () => {
    it('sends the contract headers and starts with a retry line and a heartbeat carrying the connection id and the interval', async () => {
      const stream = await connect();
      expect(stream.status).toBe(200);
      expect(stream.headers['content-type']).toBe('text/event-stream');
      expect(stream.headers['cache-control']).toBe('no-cache, no-transform');
      expect(stream.headers['x-accel-buffering']).toBe('no');
      expect(stream.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(stream.headers['content-encoding']).toBeUndefined();
      expect(stream.raw()).toMatch(
        /^retry: \d+\n\nevent: heartbeat\nid: \S+\ndata: \{"timestamp":"[^"]+","status":"healthy","connection_id":"conn_[0-9a-f]{16}","interval_seconds":30\}\n\n/,
      );
    });

    it('is not compressed even when the client asks for it', async () => {
      const stream = await connect('', { 'Accept-Encoding': 'gzip, br' });
      expect(stream.headers['content-encoding']).toBeUndefined();
    });

    it('frames a memory event exactly as the spec: event, id, one line of JSON data, blank line', async () => {
      const stream = await connect();
      const memory = await createMemory({
        content: 'framed',
        tags: ['x'],
        metadata: { user_id: 'user123' },
      });
      const event = await stream.waitFor(isType('memory.created'));
      const frame = `event: memory.created\nid: ${event.id}\ndata: ${event.data}\n\n`;
      expect(stream.raw()).toContain(frame);
      expect(event.data).not.toContain('\n');
      expect(event.json).toEqual({
        id: memory.id,
        title: null,
        content: 'framed',
        memory_type: 'context',
        metadata: { user_id: 'user123' },
        tags: ['x'],
        created_at: memory.created_at,
        created_by: 'alice',
      });
    });

    it('sends an HTTP/1.0 client the frames without chunk framing', async () => {
      const socket = connectTcp(Number(new URL(t.url).port), '127.0.0.1');
      let received = '';
      socket.setEncoding('utf8').on('data', (text: string) => (received += text));
      try {
        socket.write(
          `GET ${STREAM}?events=memory.created HTTP/1.0\r\nHost: localhost\r\n` +
            `Authorization: Bearer ${key}\r\nAccept: text/event-stream\r\n\r\n`,
        );
        await waitUntil(() => received.includes('event: heartbeat'), 5000, 'the first heartbeat');
        const memory = await createMemory({ content: 'over HTTP/1.0' });
        await waitUntil(() => received.includes('event: memory.created'), 5000, 'the event');
        const [head, body] = received.split('\r\n\r\n');
        expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
        expect(head.toLowerCase()).not.toContain('transfer-encoding');
        expect(body).toMatch(/^retry: \d+\n\nevent: heartbeat\n/);
        await waitUntil(() => received.endsWith('\n\n'), 5000, 'the end of the frame');
        expect(body).toMatch(
          new RegExp(
            `\\n\\nevent: memory\\.created\\nid: \\S+\\ndata: \\{"id":"${memory.id}".*\\}\\n\\n$`,
          ),
        );
      } finally {
        socket.destroy();
      }
    });

    it('sends heartbeats every `heartbeat` seconds, saying so in each', async () => {
      const stream = await connect('?heartbeat=1');
      await stream.waitFor(
        (e) => e.event === 'heartbeat' && stream.events.filter(isType('heartbeat')).length >= 3,
        5000,
        'three heartbeats',
      );
      const heartbeats = stream.events.filter(isType('heartbeat'));
      const ids = heartbeats.map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(heartbeats.map((e) => e.json.interval_seconds)).toEqual(heartbeats.map(() => 1));
    });
  });

  describe('memory events', () => {
    it('delivers created, updated and deleted after each REST call with the spec payloads', async () => {
      const stream = await connect('?events=memory.created,memory.updated,memory.deleted');
      const memory = await createMemory({ content: 'v1', tags: ['a'] });
      await request(t.url)
        .patch(`/api/v1/memories/${memory.id}`)
        .set('Authorization', `Bearer ${key}`)
        .send({ content: 'v2', tags: ['a', 'b'] })
        .expect(200);
      await request(t.url)
        .delete(`/api/v1/memories/${memory.id}?reason=cleanup`)
        .set('Authorization', `Bearer ${key}`)
        .expect(204);
      const deleted = await stream.waitFor(isType('memory.deleted'));
      const types = stream.dataEvents().map((e) => e.event);
      expect(types).toEqual(['memory.created', 'memory.updated', 'memory.deleted']);
      const updated = stream.events.find(isType('memory.updated'))!;
      expect(updated.json).toMatchObject({
        id: memory.id,
        content: 'v2',
        tags: ['a', 'b'],
        updated_by: 'alice',
        changes: { content: true, tags: true, metadata: false, title: false, memory_type: false },
      });
      expect(deleted.json).toEqual({
        id: memory.id,
        deleted_at: expect.any(String),
        deleted_by: 'alice',
        reason: 'cleanup',
      });
    });
  });

  describe('selection', () => {
    it('selects event types given as a comma list or repeated', async () => {
      const comma = await connect('?events=memory.deleted,memory.updated');
      const repeated = await connect('?events=memory.deleted&events=memory.updated');
      const memory = await createMemory({ content: 'sel' });
      await request(t.url)
        .delete(`/api/v1/memories/${memory.id}`)
        .set('Authorization', `Bearer ${key}`)
        .expect(204);
      for (const stream of [comma, repeated]) {
        await stream.waitFor(isType('memory.deleted'));
        expect(stream.dataEvents().map((e) => e.event)).toEqual(['memory.deleted']);
      }
    });

    it('filters by top-level and metadata fields in both syntaxes, all filters having to match', async () => {
      const brackets = await connect('?filters[user_id]=user123&filters[category]=note');
      const json = await connect(
        `?filters=${encodeURIComponent('{"user_id":"user123","category":"note"}')}`,
      );
      const byCreator = await connect('?filters[created_by]=alice&events=memory.created');
      await createMemory({
        content: 'only one filter matches',
        metadata: { user_id: 'user123', category: 'todo' },
      });
      const wanted = await createMemory({
        content: 'both match',
        metadata: { user_id: 'user123', category: 'note' },
      });
      for (const stream of [brackets, json]) {
        await stream.waitFor((e) => e.json.id === wanted.id);
        expect(stream.dataEvents().map((e) => e.json.id)).toEqual([wanted.id]);
      }
      await byCreator.waitFor((e) => e.json.id === wanted.id);
      expect(byCreator.dataEvents()).toHaveLength(2);
    });

    it('never shows one organization the events of another, but shows system.health to all', async () => {
      const otherKey = await t.createKey('globex', 'bob');
      const mine = await connect('?events=memory.created,system.health');
      const theirs = await openStream(`${t.url}${STREAM}?events=memory.created,system.health`, {
        headers: { Authorization: `Bearer ${otherKey}` },
      });
      open.push(theirs);
      const ours = await createMemory({ content: 'acme only' });
      const their = await createMemory({ content: 'globex only' }, otherKey);
      await t.app.get(EventLog).publish({
        type: 'system.health',
        organizationId: null,
        data: {
          status: 'healthy',
          timestamp: new Date().toISOString(),
          metrics: { cpu_usage: 1, memory_usage: 1, response_time: 1, error_rate: 0 },
          services: { api: 'healthy', database: 'healthy', search: 'healthy' },
        },
      });
      await mine.waitFor(isType('system.health'));
      await theirs.waitFor(isType('system.health'));
      expect(mine.dataEvents().map((e) => e.json.id ?? e.event)).toEqual([
        ours.id,
        'system.health',
      ]);
      expect(theirs.dataEvents().map((e) => e.json.id ?? e.event)).toEqual([
        their.id,
        'system.health',
      ]);
    });
  });

  describe('refusals before the stream opens', () => {
    const get = (query = '') => request(t.url).get(`${STREAM}${query}`);

    it('answers a missing key with 401 and the error object framed as an SSE error event', async () => {
      const response = await get()
        .set('Accept', 'text/event-stream')
        .buffer(true)
        .parse((res, done) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => done(null, text));
        });
      expect(response.status).toBe(401);
      expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
      const match = /^event: error\ndata: (.+)\n\n$/.exec(response.body as string);
      expect(match).not.toBeNull();
      expect(JSON.parse(match![1])).toMatchObject({
        code: 'AUTH_ERROR',
        retry_after: 0,
        message: expect.stringMatching(/API key/),
      });
    });

    it.each([
      [
        'an unknown key',
        {
          Authorization:
            'Bearer mnemo_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        },
        401,
        'AUTH_ERROR',
      ],
      ['a missing Accept header', {}, 406, 'NOT_ACCEPTABLE'],
    ])('refuses %s', async (_what, headers: Record<string, string>, status, code) => {
      const response = await get()
        .set({ Authorization: `Bearer ${key}`, ...headers })
        .set('Accept', 'application/json');
      expect(response.status).toBe(status);
      expect(response.body).toMatchObject({
        code,
        message: expect.any(String),
        request_id: expect.any(String),
      });
    });

    it('refuses a key without stream:read with 403', async () => {
      const writer = await t.createKey('acme', 'alice', ['memories:write']);
      const response = await get()
        .set('Authorization', `Bearer ${writer}`)
        .set('Accept', 'application/json, text/event-stream');
      expect(response.status).toBe(403);
    });

    it.each([
      ['?events=memory.created,memory.exploded', /memory\.exploded/],
      ['?filters=%7Bnot-json', /filters/],
      ['?filters=%5B1%2C2%5D', /filters/],
      ['?heartbeat=0', /heartbeat/],
      ['?heartbeat=301', /heartbeat/],
      ['?heartbeat=abc', /heartbeat/],
      ['?api_key=abc', /api_key/],
    ])('refuses %s with 400 and a message naming the problem', async (query, message) => {
      const response = await get(query)
        .set('Authorization', `Bearer ${key}`)
        .set('Accept', 'text/event-stream');
      expect(response.status).toBe(400);
      expect(response.text).toMatch(/^event: error\ndata: /);
      const body = JSON.parse(response.text.slice('event: error\ndata: '.length));
      expect(body).toMatchObject({
        code: 'VALIDATION_ERROR',
        message: expect.stringMatching(message),
      });
    });

    it('sends the real status line before any SSE header', async () => {
      const response = await get('?events=nope')
        .set('Authorization', `Bearer ${key}`)
        .set('Accept', 'text/event-stream');
      expect(response.status).toBe(400);
      expect(response.headers['cache-control']).not.toBe('no-cache, no-transform');
    });
  });

  describe('connection limit', () => {
    it('refuses a sixth concurrent stream for one key with 429 and Retry-After, and frees a slot on close', async () => {
      const limited = await t.createKey('acme', 'carol');
      const streams = await Promise.all(
        Array.from({ length: 6 }, () =>
          openStream(`${t.url}${STREAM}`, { headers: { Authorization: `Bearer ${limited}` } }),
        ),
      );
      open.push(...streams);
      const refused = streams.filter((s) => s.status === 429);
      expect(streams.filter((s) => s.status === 200)).toHaveLength(5);
      expect(refused).toHaveLength(1);
      // Every slot is held by a live stream: at most one lease until a slot frees (scale-out), or
      // exactly one (one process, whose slots are all held by live streams).
      const leaseSeconds = t.config.stream.slotLeaseMs / 1000;
      const retryAfter = Number(refused[0].headers['retry-after']);
      if (BACKEND === 'embedded') expect(retryAfter).toBe(leaseSeconds);
      else expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(leaseSeconds);
      await refused[0].ended;
      expect(refused[0].raw()).toContain('"code":"RATE_LIMITED"');

      streams.find((s) => s.status === 200)!.close();
      await waitUntilAccepted(
        () => openStream(`${t.url}${STREAM}`, { headers: { Authorization: `Bearer ${limited}` } }),
        open,
      );
    });
  });

  describe('connection slots', () => {
    const connectWith = (withKey: string) =>
      openStream(`${t.url}${STREAM}`, { headers: { Authorization: `Bearer ${withKey}` } });

    it('admits exactly the limit under a burst of simultaneous connects', async () => {
      const burst = await t.createKey('acme', 'dave');
      const streams = await Promise.all(Array.from({ length: 20 }, () => connectWith(burst)));
      open.push(...streams);
      const limit = t.config.stream.maxConnectionsPerKey;
      expect(streams.filter((s) => s.status === 200)).toHaveLength(limit);
      expect(streams.filter((s) => s.status === 429)).toHaveLength(20 - limit);
    });

    it('gives the slots back when the server closes the streams', async () => {
      const closing = await t.createKey('acme', 'erin');
      const limit = t.config.stream.maxConnectionsPerKey;
      const streams = await Promise.all(Array.from({ length: limit }, () => connectWith(closing)));
      open.push(...streams);
      expect(streams.map((s) => s.status)).toEqual(streams.map(() => 200));
      const extra = await connectWith(closing);
      open.push(extra);
      expect(extra.status).toBe(429);
      t.app.get(StreamHub).closeAll('shutdown', () => ({
        code: 'CONNECTION_ERROR',
        message: 'test',
        retry_after: 0,
      }));
      await Promise.all(streams.map((s) => s.ended));
      for (const stream of streams) expect(stream.events.at(-1)?.event).toBe('error');
      // Every slot comes back, and no more than every slot.
      for (let i = 0; i < limit; i += 1) await waitUntilAccepted(() => connectWith(closing), open);
      const beyond = await connectWith(closing);
      open.push(beyond);
      expect(beyond.status).toBe(429);
    });
  });

  describe('resume', () => {
    it('replays exactly the missed events after Last-Event-ID, then continues live', async () => {
      const first = await connect('?events=memory.created');
      const seen = await createMemory({ content: 'seen' });
      const lastSeen = await first.waitFor((e) => e.json.id === seen.id);
      first.close();
      const missed = [
        await createMemory({ content: 'missed 1' }),
        await createMemory({ content: 'missed 2' }),
      ];
      const second = await connect('?events=memory.created', { 'Last-Event-ID': lastSeen.id! });
      const live = await createMemory({ content: 'live' });
      await second.waitFor((e) => e.json.id === live.id);
      expect(second.dataEvents().map((e) => e.json.id)).toEqual([
        ...missed.map((m) => m.id),
        live.id,
      ]);
    });

    it("never replays another organization's events", async () => {
      const otherKey = await t.createKey('initech', 'peter');
      const first = await connect('?events=memory.created');
      const seen = await createMemory({ content: 'mine, seen' });
      const lastSeen = await first.waitFor((e) => e.json.id === seen.id);
      first.close();
      await createMemory({ content: 'theirs' }, otherKey);
      const mine = await createMemory({ content: 'mine, missed' });
      const second = await connect('?events=memory.created', { 'Last-Event-ID': lastSeen.id! });
      await second.waitFor((e) => e.json.id === mine.id);
      expect(second.dataEvents().map((e) => e.json.id)).toEqual([mine.id]);
    });

    it('accepts last_event_id in the query for a first connect', async () => {
      const first = await connect('?events=memory.created');
      const seen = await createMemory({ content: 'q seen' });
      const lastSeen = await first.waitFor((e) => e.json.id === seen.id);
      first.close();
      const missed = await createMemory({ content: 'q missed' });
      const second = await connect(
        `?events=memory.created&last_event_id=${encodeURIComponent(lastSeen.id!)}`,
      );
      await second.waitFor((e) => e.json.id === missed.id);
      expect(second.dataEvents().map((e) => e.json.id)).toEqual([missed.id]);
    });

    it('resumes from a heartbeat id', async () => {
      const first = await connect('?events=memory.created');
      const heartbeat = first.events.find(isType('heartbeat'))!;
      first.close();
      const missed = await createMemory({ content: 'after heartbeat' });
      const second = await connect('?events=memory.created', { 'Last-Event-ID': heartbeat.id! });
      await second.waitFor((e) => e.json.id === missed.id);
      expect(second.dataEvents().map((e) => e.json.id)).toEqual([missed.id]);
    });

    it('keeps a heartbeat id current while only events of other types happen', async () => {
      const first = await connect('?events=memory.deleted&heartbeat=1');
      const retention = t.config.eventRetention.count;
      for (let i = 0; i < retention + 1; i += 1) await createMemory({ content: `other ${i}` });
      const beatsBefore = first.events.filter(isType('heartbeat')).length;
      await first.waitFor(
        () => first.events.filter(isType('heartbeat')).length > beatsBefore,
        5000,
        'a heartbeat after the writes',
      );
      const heartbeat = first.events.filter(isType('heartbeat')).at(-1)!;
      first.close();
      const doomed = await createMemory({ content: 'to delete' });
      await request(t.url)
        .delete(`/api/v1/memories/${doomed.id}`)
        .set('Authorization', `Bearer ${key}`)
        .expect(204);
      const second = await connect('?events=memory.deleted', { 'Last-Event-ID': heartbeat.id! });
      const deleted = await second.waitFor(isType('memory.deleted'));
      expect(deleted.json.id).toBe(doomed.id);
      expect(second.events.filter(isType('stream.reset'))).toEqual([]);
    });

    it('loses and duplicates nothing published while the replay is written', async () => {
      const first = await connect('?events=memory.created');
      const seen = await createMemory({ content: 'before burst' });
      const lastSeen = await first.waitFor((e) => e.json.id === seen.id);
      first.close();
      const before = await Promise.all(
        Array.from({ length: 10 }, (_, i) => createMemory({ content: `b${i}` })),
      );
      const [second, during] = await Promise.all([
        connect('?events=memory.created', { 'Last-Event-ID': lastSeen.id! }),
        Promise.all(Array.from({ length: 10 }, (_, i) => createMemory({ content: `d${i}` }))),
      ]);
      const expected = new Set([...before, ...during].map((m) => m.id));
      await second.waitFor(
        () => second.dataEvents().length >= expected.size,
        5000,
        `${expected.size} events`,
      );
      const ids = second.dataEvents().map((e) => e.json.id);
      expect(new Set(ids)).toEqual(expected);
      expect(ids).toHaveLength(expected.size);
      const eventIds = second.dataEvents().map((e) => e.id!);
      expect([...eventIds].sort(compareEventIds)).toEqual(eventIds);
    });

    it('sends stream.reset with the oldest retained id for an unknown position', async () => {
      const stream = await connect('', { 'Last-Event-ID': 'no-such-id' });
      const reset = await stream.waitFor(isType('stream.reset'));
      expect(reset.json).toEqual({ reason: 'unknown', oldest_id: expect.any(String) });
      expect(stream.events.map((e) => e.event).slice(0, 2)).toEqual(['heartbeat', 'stream.reset']);
      const live = await createMemory({ content: 'after reset' });
      await stream.waitFor((e) => e.json.id === live.id);
    });

    it('sends stream.reset for a position no longer retained, then continues live', async () => {
      const first = await connect('?events=memory.created');
      const seen = await createMemory({ content: 'soon expired' });
      const lastSeen = await first.waitFor((e) => e.json.id === seen.id);
      first.close();
      const retention = t.config.eventRetention.count;
      for (let i = 0; i < retention + 1; i += 1) await createMemory({ content: `filler ${i}` });
      const stream = await connect('?events=memory.created', { 'Last-Event-ID': lastSeen.id! });
      const reset = await stream.waitFor(isType('stream.reset'));
      expect(reset.json).toEqual({
        reason: 'expired',
        oldest_id: expect.stringMatching(/^\d+-\d+$/),
      });
      expect(stream.dataEvents()).toHaveLength(1);
    });
  });
});

/** The freed slot is given back when the server sees the close; retries until it has. */
async function waitUntilAccepted(
  attempt: () => Promise<SseStream>,
  open: SseStream[],
): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const stream = await attempt();
    open.push(stream);
    if (stream.status === 200) return;
    if (Date.now() > deadline)
      throw new Error(`The slot was not freed: last status ${stream.status}`);
    await stream.ended;
  }
}
