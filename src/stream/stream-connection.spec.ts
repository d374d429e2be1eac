import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { DomainEvent } from '../events/event-map';
import { SseWriter } from './sse-writer';
import { ConnectionHost, StreamConnection, StreamLimits } from './stream-connection';

/** A response that records what is written to it (headers already sent, no socket of its own). */
class RecordingResponse extends EventEmitter {
  readonly written: string[] = [];
  headersSent = true;
  socket = null;
  writableLength = 0;
  closed = false;
  writeHead(): this {
    return this;
  }
  write(chunk: Buffer | string): boolean {
    this.written.push(chunk.toString());
    return true;
  }
  destroy(): void {}
}

const LIMITS: StreamLimits = {
  maxEventsPerMinute: 1_000_000,
  maxBacklog: 1000,
  maxBufferedBytes: 1_000_000,
  stallTimeoutMs: 30_000,
  retryMs: 3000,
};

function memoryCreated(sequence: number): DomainEvent {
  return {
    type: 'memory.created',
    organizationId: 'acme',
    id: `1-${sequence}`,
    publishedAt: 0,
    data: { id: `mem_${sequence}` },
  } as unknown as DomainEvent;
}

describe('StreamConnection', () => {
  let response: RecordingResponse;
  let connection: StreamConnection;
  let hostLastEventId: string | null;
  let readMoreCalls: string[];

  beforeEach(() => {
    response = new RecordingResponse();
    readMoreCalls = [];
    const host: ConnectionHost = {
      now: () => Date.now(),
      lastEventId: () => hostLastEventId,
      lagging: () => undefined,
      backedUp: () => undefined,
      delivered: () => undefined,
      closed: () => undefined,
      readMore: (_connection, position) => readMoreCalls.push(position),
    };
    connection = new StreamConnection(
      { keyId: 'key', organizationId: 'acme', userId: 'alice', scopes: ['stream:read'] },
      { events: null, filters: [], heartbeatSeconds: 30 },
      LIMITS,
      host,
      () => undefined,
    );
  });
  afterEach(() => connection.dispose());

  const open = (replayed: DomainEvent[], position: string, resumeFrom: string, more = false) =>
    connection.open(
      new SseWriter(
        response as unknown as ServerResponse,
        () => undefined,
        () => undefined,
      ),
      { events: replayed, position, more },
      resumeFrom,
    );
  const sentIds = () =>
    response.written.flatMap(
      (frame) => /^event: memory\.created\nid: (\S+)/.exec(frame)?.[1] ?? [],
    );

  it('skips live events that the replay already sent when the bus is behind the replay', () => {
    hostLastEventId = '1-1';
    open([memoryCreated(2), memoryCreated(3)], '1-3', '1-1');
    for (const sequence of [2, 3, 4]) connection.offer(memoryCreated(sequence));
    expect(sentIds()).toEqual(['1-2', '1-3', '1-4']);
  });

  it('sends every live event after the replay when the bus is not behind it', () => {
    hostLastEventId = '1-3';
    open([memoryCreated(2), memoryCreated(3)], '1-3', '1-1');
    for (const sequence of [4, 5]) connection.offer(memoryCreated(sequence));
    expect(sentIds()).toEqual(['1-2', '1-3', '1-4', '1-5']);
  });

  describe('a replay read from the database in pages', () => {
    const heartbeatIds = () =>
      response.written.flatMap((frame) => /^event: heartbeat\nid: (\S+)/.exec(frame)?.[1] ?? []);

    it('asks for the next page once the first is sent, ignoring live events meanwhile', () => {
      hostLastEventId = '1-9';
      open([memoryCreated(2), memoryCreated(3)], '1-3', '1-1', true);
      // Live events while a page that is not the last is sent are in the log: the next page has them.
      connection.offer(memoryCreated(10));
      expect(sentIds()).toEqual(['1-2', '1-3']);
      expect(readMoreCalls).toEqual(['1-3']);
    });

    it('after the last page, sends the live events that came while it was read, once each', () => {
      hostLastEventId = '1-9';
      open([memoryCreated(2)], '1-2', '1-1', true);
      connection.offer(memoryCreated(9));
      connection.offer(memoryCreated(10));
      connection.offer(memoryCreated(11));
      connection.continueReplay({
        events: [memoryCreated(3), memoryCreated(9), memoryCreated(10)],
        position: '1-10',
      });
      connection.offer(memoryCreated(12));
      expect(sentIds()).toEqual(['1-2', '1-3', '1-9', '1-10', '1-11', '1-12']);
      expect(readMoreCalls).toEqual(['1-2']);
    });

    it('gives heartbeats the position of what was sent, not of the live events it skipped', () => {
      hostLastEventId = '1-50';
      open([memoryCreated(2)], '1-2', '1-1', true);
      connection.offer(memoryCreated(50));
      (connection as unknown as { sendHeartbeat(): void }).sendHeartbeat();
      expect(heartbeatIds().at(-1)).toMatch(/^1-2~/);
    });
  });
});
