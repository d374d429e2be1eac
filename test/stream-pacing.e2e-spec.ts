import { connect as netConnect } from 'node:net';
import { EventLog } from '../src/events/event-log';
import { DomainEvent } from '../src/events/event-map';
import { isType, openStream, SseEvent, SseStream } from './support/sse-client';
import { freezeDate } from './support/clock';
import { memoryCreated, publishBurst, serverEnded } from './support/stream-helpers';
import { waitUntil } from './support/waits';
import { startTestApp, TestApp } from './support/test-app';

const STREAM = '/api/v1/stream';
const ORG = 'acme';

const idsOf = (events: DomainEvent[]) => events.map((e) => e.id);

/** Waits for the first heartbeat sent after `stream` had received `count` events in all. */
function nextHeartbeatAfter(stream: SseStream, count: number): Promise<SseEvent> {
  return stream.waitFor(
    (e) => e.event === 'heartbeat' && stream.events.indexOf(e) >= count,
    5000,
    `a heartbeat after event #${count}`,
  );
}

describe('stream pacing (STREAM_MAX_EVENTS_PER_MINUTE)', () => {
  const open: SseStream[] = [];
  afterEach(() => {
    for (const stream of open.splice(0)) stream.close();
  });

  /** A stream of memory.created events (plus `query`) as `key`, answered 200; closed after the test. */
  const openMemoryCreated = async (
    t: TestApp,
    key: string,
    query: string,
    headers: Record<string, string>,
  ) => {
    const stream = await openStream(`${t.url}${STREAM}?events=memory.created${query}`, {
      headers: { Authorization: `Bearer ${key}`, ...headers },
    });
    open.push(stream);
    expect(stream.status).toBe(200);
    return stream;
  };

  describe('at the default 1,000 events a minute', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(() => t.close());

    it('delivers a burst of 300 at once, with the clock standing still', async () => {
      const key = await t.createKey(ORG, 'alice');
      const clock = freezeDate(Date.parse('2030-01-01T00:00:00.000Z'));
      try {
        const stream = await openStream(`${t.url}${STREAM}?events=memory.created`, {
          headers: { Authorization: `Bearer ${key}` },
        });
        open.push(stream);
        const published = await publishBurst(
          t.app.get(EventLog),
          Array.from({ length: 300 }, (_, i) => memoryCreated(ORG, i)),
        );
        await stream.waitFor((e) => e.id === published[299].id, 5000, 'the 300th event');
        expect(stream.dataEvents().map((e) => e.id)).toEqual(idsOf(published));
      } finally {
        clock.restore();
      }
    });
  });

  describe('at 5 events a minute', () => {
    let t: TestApp;
    let key: string;
    let bus: EventLog;
    const connect = (headers: Record<string, string> = {}) =>
      openMemoryCreated(t, key, '&heartbeat=1', headers);

    beforeAll(async () => {
      t = await startTestApp({
        STREAM_HEARTBEAT_MIN_SECONDS: '1',
        STREAM_MAX_EVENTS_PER_MINUTE: '5',
      });
      key = await t.createKey(ORG, 'alice');
      bus = t.app.get(EventLog);
    });
    afterAll(() => t.close());

    it('sends the cap at once, then nothing more until a minute has passed, then the rest in order', async () => {
      const clock = freezeDate(Date.parse('2030-01-01T00:00:00.000Z'));
      try {
        const start = Date.now();
        const stream = await connect();
        const published = await publishBurst(
          bus,
          Array.from({ length: 8 }, (_, i) => memoryCreated(ORG, i)),
        );
        await stream.waitFor((e) => e.id === published[4].id, 5000, 'the fifth event');
        // With the clock standing still, a heartbeat period (ten of the server's pacing ticks)
        // passes and nothing more is sent; the heartbeat resumes from the fifth event.
        const heartbeat = await nextHeartbeatAfter(stream, stream.events.length);
        expect(heartbeat.id!.split('~')[0]).toBe(published[4].id);
        expect(stream.dataEvents().map((e) => e.id)).toEqual(idsOf(published.slice(0, 5)));

        // 59 seconds on, the five are still in the window.
        clock.set(start + 59_000);
        const later = await nextHeartbeatAfter(stream, stream.events.length);
        expect(later.id!.split('~')[0]).toBe(published[4].id);
        expect(stream.dataEvents()).toHaveLength(5);

        clock.set(start + 61_000);
        await stream.waitFor((e) => e.id === published[7].id, 5000, 'the last event');
        expect(stream.dataEvents().map((e) => e.id)).toEqual(idsOf(published));
        expect(stream.events.some(isType('error'))).toBe(false);
      } finally {
        clock.restore();
      }
    });

    it('gives a client that resumes from its last id the held events, losing nothing', async () => {
      const clock = freezeDate(Date.parse('2030-01-02T00:00:00.000Z'));
      try {
        const stream = await connect();
        const published = await publishBurst(
          bus,
          Array.from({ length: 8 }, (_, i) => memoryCreated(ORG, 100 + i)),
        );
        await stream.waitFor((e) => e.id === published[4].id, 5000, 'the fifth event');
        const heartbeat = await nextHeartbeatAfter(stream, stream.events.length);
        stream.close();
        const resumed = await connect({ 'Last-Event-ID': heartbeat.id! });
        await resumed.waitFor((e) => e.id === published[7].id, 5000, 'the last event');
        expect(resumed.dataEvents().map((e) => e.id)).toEqual(idsOf(published.slice(5)));
      } finally {
        clock.restore();
      }
    });
  });

  describe('with a backlog bound (20 a minute; at most 5 live events waiting)', () => {
    let t: TestApp;
    let key: string;
    let bus: EventLog;
    const connect = (headers: Record<string, string> = {}) =>
      openMemoryCreated(t, key, '', headers);

    beforeAll(async () => {
      t = await startTestApp({
        STREAM_MAX_EVENTS_PER_MINUTE: '20',
        STREAM_MAX_BACKLOG: '5',
      });
      key = await t.createKey(ORG, 'alice');
      bus = t.app.get(EventLog);
    });
    afterAll(() => t.close());

    /** Publishes 30 events in one burst at a fresh stream, which is cut off with RATE_LIMITED. */
    async function overflow(): Promise<{ stream: SseStream; published: DomainEvent[] }> {
      const stream = await connect();
      const published = await publishBurst(
        bus,
        Array.from({ length: 30 }, (_, i) => memoryCreated(ORG, i)),
      );
      await stream.waitFor(isType('error'), 5000, 'the error event');
      await serverEnded(stream, t.url);
      return { stream, published };
    }

    it('sends RATE_LIMITED with retry_after and ends the stream when more live events wait than the bound', async () => {
      const { stream, published } = await overflow();
      const error = stream.events.find(isType('error'))!;
      expect(error.json).toEqual({
        code: 'RATE_LIMITED',
        message: expect.stringMatching(/\S/),
        retry_after: expect.any(Number),
      });
      expect(error.json.retry_after).toBeGreaterThan(0);
      expect(error.json.retry_after).toBeLessThanOrEqual(60_000);
      // What was sent is a prefix of what was published, in order, and shorter than it.
      const received = stream.dataEvents().filter(isType('memory.created'));
      expect(received.length).toBeGreaterThan(0);
      expect(received.length).toBeLessThan(published.length);
      expect(received.map((e) => e.id)).toEqual(idsOf(published.slice(0, received.length)));
      // The error is the last thing on the wire.
      expect(stream.events[stream.events.length - 1]).toBe(error);
      expect(stream.raw().endsWith(`id: ${error.id}\ndata: ${error.data}\n\n`)).toBe(true);
    });

    it('sends RATE_LIMITED, not a silent drop, when the burst is of large events', async () => {
      // 20 KB frames: each write leaves Node's socket buffer above its high-water mark until it
      // drains, which is not a slow reader, only a burst larger than the rate.
      const stream = await connect();
      await publishBurst(
        bus,
        Array.from({ length: 30 }, (_, i) => memoryCreated(ORG, i, 20_000)),
      );
      await serverEnded(stream, t.url);
      const received = stream.dataEvents().filter(isType('memory.created')).length;
      const errors = stream.events.filter(isType('error')).map((e) => e.json.code);
      expect({ errors, received }).toEqual({ errors: ['RATE_LIMITED'], received });
    });

    it('says Connection: close on a stream it ends, or answers the reconnect on the same connection', async () => {
      // Node's and browsers' clients reuse a keep-alive connection for the next request. If the
      // server ends the socket after a stream without saying so, the reconnect that RATE_LIMITED
      // asks for races the close and fails with "socket hang up".
      const { port } = new URL(t.url);
      const socket = netConnect(Number(port), '127.0.0.1');
      let closed = false;
      socket.once('close', () => (closed = true));
      socket.on('error', () => undefined);
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      const get = (extra = '') =>
        socket.write(
          `GET ${STREAM}?events=memory.created HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
            `Accept: text/event-stream\r\nAuthorization: Bearer ${key}\r\n${extra}\r\n`,
        );
      try {
        get();
        await waitUntil(() => text.includes('event: heartbeat'), 5000, 'the first heartbeat');
        await publishBurst(
          bus,
          Array.from({ length: 30 }, (_, i) => memoryCreated(ORG, i)),
        );
        // The end of the chunked body: the server has ended the stream.
        await waitUntil(() => text.includes('\r\n0\r\n\r\n'), 5000, 'the end of the stream');
        expect(text).toContain('"code":"RATE_LIMITED"');
        const head = text.slice(0, text.indexOf('\r\n\r\n'));
        const errorId = /event: error\nid: ([^\n]+)\n/.exec(text)![1];
        if (/^connection: *close\r?$/im.test(head)) return;

        // Keep-alive was promised: the reconnect on this connection must be answered.
        const before = text.length;
        get(`Last-Event-ID: ${errorId}\r\n`);
        await waitUntil(
          () => closed || /^HTTP\/1\.1 \d{3} /.test(text.slice(before)),
          5000,
          'an answer or a close',
        );
        const connectionHeader = /^connection: *(.*?)\r?$/im.exec(head)?.[1];
        const reconnect = closed
          ? 'connection closed unanswered'
          : text.slice(before).split('\r\n')[0];
        expect({ connectionHeader, reconnect }).toEqual({
          connectionHeader,
          reconnect: 'HTTP/1.1 200 OK',
        });
      } finally {
        socket.destroy();
      }
    });

    it.each([
      ['the error event', (stream: SseStream) => stream.events.find(isType('error'))!.id!],
      [
        'the last data event',
        (stream: SseStream) => stream.dataEvents().filter(isType('memory.created')).pop()!.id!,
      ],
    ])(
      'gives a client resuming from the id of %s every remaining event exactly once, in order',
      async (_name, resumeId) => {
        const { stream, published } = await overflow();
        const got = stream.dataEvents().filter(isType('memory.created')).length;
        const resumed = await connect({ 'Last-Event-ID': resumeId(stream) });
        const last = published[published.length - 1];
        // The replay is paced too: it must not count as a live backlog.
        await resumed.waitFor((e) => e.id === last.id, 15_000, 'the last published event');
        expect(resumed.events.some(isType('stream.reset'))).toBe(false);
        expect(resumed.events.some(isType('error'))).toBe(false);
        expect(resumed.dataEvents().map((e) => e.id)).toEqual(idsOf(published.slice(got)));
        const everything = [...stream.dataEvents(), ...resumed.dataEvents()].filter(
          isType('memory.created'),
        );
        expect(everything.map((e) => e.id)).toEqual(idsOf(published));
      },
    );
  });
});
