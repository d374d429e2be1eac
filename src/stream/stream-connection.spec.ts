import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { loggedEvent } from '../../test/support/stream-helpers';
import { Replay } from '../events/event-log';
import { SseWriter } from './sse-writer';
import { ConnectionHost, StreamConnection, StreamLimits } from './stream-connection';

/** A response that records what is written to it (headers already sent, no socket of its own). */
class RecordingResponse extends EventEmitter {
  readonly written: string[] = [];
  /** What `write` answers: false as a full socket does. */
  accepting = true;
  destroyed = false;
  headersSent = true;
  socket = null;
  writableLength = 0;
  closed = false;
  writeHead(): this {
    return this;
  }
  write(chunk: Buffer | string): boolean {
    this.written.push(chunk.toString());
    return this.accepting;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

interface PageRead {
  after: string;
  resolve(page: Replay): void;
  reject(error: Error): void;
  promise: Promise<Replay>;
}

const LIMITS: StreamLimits = {
  maxEventsPerMinute: 1_000_000,
  maxBacklog: 1000,
  maxBufferedBytes: 1_000_000,
  stallTimeoutMs: 30_000,
  retryMs: 3000,
};

describe('StreamConnection', () => {
  let response: RecordingResponse;
  let connection: StreamConnection;
  let now: number;
  let feedLastId: string;
  let reads: PageRead[];
  let ticked: boolean;
  let closedWith: string | undefined;

  function connect(limits: Partial<StreamLimits> = {}) {
    const host: ConnectionHost = {
      now: () => now,
      ticks: (_connection, wanted) => (ticked = wanted),
      delivered: () => undefined,
      closed: (_connection, reason) => (closedWith = reason),
    };
    const history = {
      lastId: () => feedLastId,
      replay: (after: string) => {
        let resolve!: (page: Replay) => void;
        let reject!: (error: Error) => void;
        const promise = new Promise<Replay>((settle, fail) => {
          resolve = settle;
          reject = fail;
        });
        reads.push({ after, resolve, reject, promise });
        return promise;
      },
    };
    connection = new StreamConnection(
      { keyId: 'key', organizationId: 'acme', userId: 'alice', scopes: ['stream:read'] },
      { events: null, filters: [], heartbeatSeconds: 30 },
      { ...LIMITS, ...limits },
      history,
      host,
      () => undefined,
    );
  }

  beforeEach(() => {
    response = new RecordingResponse();
    now = 1_000_000;
    feedLastId = '1-1';
    reads = [];
    ticked = false;
    closedWith = undefined;
    connect();
  });
  afterEach(() => connection.dispose());

  const writer = () => new SseWriter(response as unknown as ServerResponse, connection);
  const open = (replayed: number[], position: string, resumeFrom: string, more = false) =>
    connection.open(
      writer(),
      { events: replayed.map((n) => loggedEvent(n)), position, more },
      resumeFrom,
    );
  const offer = (...positions: number[]) => {
    for (const n of positions) connection.offer(loggedEvent(n));
  };
  const sentIds = () =>
    response.written.flatMap(
      (frame) => /^event: memory\.created\nid: (\S+)/.exec(frame)?.[1] ?? [],
    );
  const controls = (type: string) =>
    response.written.flatMap((frame) => {
      const match = new RegExp(`^event: ${type}\\nid: (\\S+)\\ndata: (.*)`).exec(frame);
      return match ? [{ id: match[1], data: JSON.parse(match[2]) as Record<string, unknown> }] : [];
    });

  it('skips live events that the replay already sent when the feed is behind the replay', () => {
    open([2, 3], '1-3', '1-1');
    offer(2, 3, 4);
    expect(sentIds()).toEqual(['1-2', '1-3', '1-4']);
  });

  it('sends every live event after the replay when the feed is not behind it', () => {
    feedLastId = '1-3';
    open([2, 3], '1-3', '1-1');
    offer(4, 5);
    expect(sentIds()).toEqual(['1-2', '1-3', '1-4', '1-5']);
  });

  describe('pacing', () => {
    it('sends a burst below the cap at once, and holds the rest until the window frees it', () => {
      connect({ maxEventsPerMinute: 3 });
      feedLastId = '1-1';
      open([], '1-1', '1-1');
      offer(2, 3, 4, 5, 6);
      expect(sentIds()).toEqual(['1-2', '1-3', '1-4']);
      expect(ticked).toBe(true);
      now += 30_000;
      connection.tick();
      expect(sentIds()).toHaveLength(3);
      now += 31_000;
      connection.tick();
      expect(sentIds()).toEqual(['1-2', '1-3', '1-4', '1-5', '1-6']);
      expect(ticked).toBe(false);
    });

    it('closes with RATE_LIMITED, saying when the held events could go, past the backlog bound', () => {
      connect({ maxEventsPerMinute: 2, maxBacklog: 1 });
      open([], '1-1', '1-1');
      offer(2, 3);
      now += 10_000;
      offer(4, 5);
      expect(closedWith).toBe('rate_limited');
      const [error] = controls('error');
      expect(error.data).toMatchObject({ code: 'RATE_LIMITED', retry_after: 51_000 });
      // The client resumes after the last event it got, and the next replay has the rest.
      expect(error.id).toMatch(/^1-3~/);
    });

    it('reads the next page of a replay only once the page held back for pacing is sent', () => {
      connect({ maxEventsPerMinute: 2 });
      feedLastId = '1-9';
      open([2, 3, 4], '1-4', '1-1', true);
      expect(sentIds()).toEqual(['1-2', '1-3']);
      expect(reads).toEqual([]);
      now += 61_000;
      connection.tick();
      expect(sentIds()).toEqual(['1-2', '1-3', '1-4']);
      expect(reads.map((read) => read.after)).toEqual(['1-4']);
    });
  });

  describe('a full socket', () => {
    it('holds events while the socket is full and sends them when it drains', () => {
      open([], '1-1', '1-1');
      response.accepting = false;
      offer(2, 3);
      expect(sentIds()).toEqual(['1-2']);
      expect(ticked).toBe(true);
      response.accepting = true;
      response.emit('drain');
      expect(sentIds()).toEqual(['1-2', '1-3']);
      expect(ticked).toBe(false);
    });

    it('drops a reader whose socket has not drained for too long, with CONNECTION_ERROR', () => {
      open([], '1-1', '1-1');
      response.accepting = false;
      offer(2);
      now += LIMITS.stallTimeoutMs;
      connection.tick();
      expect(closedWith).toBeUndefined();
      now += 1;
      connection.tick();
      expect(closedWith).toBe('slow_consumer');
      expect(response.destroyed).toBe(true);
    });
  });

  describe('a replay read from the database in pages', () => {
    it('asks for the next page once the first is sent, ignoring live events meanwhile', () => {
      feedLastId = '1-9';
      open([2, 3], '1-3', '1-1', true);
      // Live events while a page that is not the last is sent are in the log: the next page has them.
      offer(10);
      expect(sentIds()).toEqual(['1-2', '1-3']);
      expect(reads.map((read) => read.after)).toEqual(['1-3']);
    });

    it('after the last page, sends the live events that came while it was read, once each', async () => {
      feedLastId = '1-9';
      open([2], '1-2', '1-1', true);
      offer(9, 10, 11);
      reads[0].resolve({ events: [3, 9, 10].map((n) => loggedEvent(n)), position: '1-10' });
      await reads[0].promise;
      offer(12);
      expect(sentIds()).toEqual(['1-2', '1-3', '1-9', '1-10', '1-11', '1-12']);
      expect(reads).toHaveLength(1);
    });

    it('closes with CONNECTION_ERROR when a page cannot be read', async () => {
      open([2], '1-2', '1-1', true);
      const read = reads[0];
      read.reject(new Error('database gone'));
      await read.promise.catch(() => undefined);
      expect(closedWith).toBe('server');
      expect(controls('error')[0]).toMatchObject({
        id: expect.stringMatching(/^1-2~/),
        data: { code: 'CONNECTION_ERROR' },
      });
    });
  });

  describe('heartbeats', () => {
    beforeEach(() => jest.useFakeTimers({ now }));
    afterEach(() => jest.useRealTimers());

    it('carry the position of what was sent, not of live events a page in progress skipped', () => {
      feedLastId = '1-50';
      open([2], '1-2', '1-1', true);
      offer(50);
      jest.advanceTimersByTime(30_000);
      expect(controls('heartbeat').map((heartbeat) => heartbeat.id)).toEqual([
        expect.stringMatching(/^1-1~/),
        expect.stringMatching(/^1-2~/),
      ]);
    });

    it('carry the last event sent while others are held back for pacing', () => {
      connect({ maxEventsPerMinute: 1 });
      open([], '1-1', '1-1');
      offer(2, 3);
      feedLastId = '1-3';
      jest.advanceTimersByTime(30_000);
      expect(controls('heartbeat').map((heartbeat) => heartbeat.id)).toEqual([
        expect.stringMatching(/^1-1~/),
        expect.stringMatching(/^1-2~/),
      ]);
    });

    it('carry the feed’s last event once live with nothing held: a valid place to resume', () => {
      feedLastId = '1-50';
      open([], '1-50', '1-50');
      jest.advanceTimersByTime(30_000);
      feedLastId = '1-60';
      jest.advanceTimersByTime(30_000);
      expect(controls('heartbeat').map((heartbeat) => heartbeat.id)).toEqual([
        expect.stringMatching(/^1-50~/),
        expect.stringMatching(/^1-50~/),
        expect.stringMatching(/^1-60~/),
      ]);
    });
  });
});
