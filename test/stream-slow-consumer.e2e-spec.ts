import { Server } from 'node:http';
import { connect as netConnect, Socket } from 'node:net';
import { EventLog } from '../src/events/event-log';
import { DomainEvent } from '../src/events/event-map';
import { openStreams, untilOpenStreams } from './support/metrics';
import { isType, openStream, SseStream } from './support/sse-client';
import { memoryCreated, publishBurst } from './support/stream-helpers';
import { waitUntil, within } from './support/waits';
import { startTestApp, TestApp } from './support/test-app';

const STREAM = '/api/v1/stream';
const ORG = 'acme';
const MAX_BUFFERED_BYTES = 65536;
/** Each event's frame stays well under the bound: one event never trips it on its own. */
const PADDING = 40_000;

interface StalledReader {
  /** The client's socket, paused after the first heartbeat: it reads nothing more. */
  socket: Socket;
  /** The server's end of the same connection. */
  serverSocket: Socket;
  /** Everything read before the pause (and after `socket.resume()`). */
  received(): string;
  /** The client's socket closed. */
  closed: Promise<void>;
}

/** Sends the stream request on a raw socket, reads up to the first heartbeat, then stops reading. */
async function openStalledReader(t: TestApp, key: string): Promise<StalledReader> {
  const server = t.app.getHttpServer() as Server;
  const serverSockets = new Map<number, Socket>();
  const onConnection = (socket: Socket) => serverSockets.set(socket.remotePort!, socket);
  server.on('connection', onConnection);
  const { port } = new URL(t.url);
  const socket = netConnect(Number(port), '127.0.0.1');
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  let text = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`No heartbeat on the raw socket; got:\n${text}`)),
        5000,
      );
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
        if (/event: heartbeat\nid: [^\n]+\ndata: [^\n]+\n\n/.test(text)) {
          clearTimeout(timer);
          socket.pause();
          resolve();
        }
      });
      socket.write(
        `GET ${STREAM}?events=memory.created HTTP/1.1\r\n` +
          `Host: 127.0.0.1:${port}\r\n` +
          'Accept: text/event-stream\r\n' +
          `Authorization: Bearer ${key}\r\n\r\n`,
      );
    });
  } finally {
    server.off('connection', onConnection);
  }
  expect(text).toMatch(/^HTTP\/1\.1 200 /);
  const serverSocket = serverSockets.get(socket.localPort!);
  if (!serverSocket) throw new Error('The server end of the raw socket was not seen');
  socket.on('error', () => undefined);
  return { socket, serverSocket, received: () => text, closed };
}

/** Waits for the event with id `id`; fails at once, saying how far it got, if the stream ends. */
async function receiveUpTo(stream: SseStream, id: string, total: number): Promise<void> {
  let ended = false;
  void stream.ended.then(() => (ended = true));
  const received = () => stream.events.some((e) => e.id === id);
  await waitUntil(() => ended || received(), 10_000, `event ${id}`);
  if (!received()) {
    throw new Error(
      `The server ended the stream after ${stream.dataEvents().length} of ${total} events ` +
        `(${stream.raw().length} bytes received)`,
    );
  }
}

describe('slow consumers (STREAM_MAX_BUFFERED_BYTES)', () => {
  let t: TestApp;
  let key: string;
  let bus: EventLog;
  const open: SseStream[] = [];
  const sockets: Socket[] = [];

  const connect = async (headers: Record<string, string> = {}) => {
    const stream = await openStream(`${t.url}${STREAM}?events=memory.created`, {
      headers: { Authorization: `Bearer ${key}`, ...headers },
      // A stream cut off before its first heartbeat must fail the test with its own message.
      headersOnly: true,
    });
    open.push(stream);
    expect(stream.status).toBe(200);
    return stream;
  };

  beforeAll(async () => {
    t = await startTestApp({
      STREAM_MAX_BUFFERED_BYTES: String(MAX_BUFFERED_BYTES),
      // Pacing is not under test here: it must never hold an event back.
      STREAM_MAX_EVENTS_PER_MINUTE: '1000000',
      EVENT_RETENTION_COUNT: '2000',
    });
    key = await t.createKey(ORG, 'alice');
    bus = t.app.get(EventLog);
  });
  afterEach(async () => {
    for (const stream of open.splice(0)) stream.close();
    for (const socket of sockets.splice(0)) socket.destroy();
    if (t) await untilOpenStreams(t.url, 0, 'every stream to be closed');
  });
  afterAll(() => t?.close());

  it('closes a reader that stops reading while a reader of the same organization receives every event', async () => {
    const healthy = await connect();
    await healthy.waitFor(isType('heartbeat'));
    const stalled = await openStalledReader(t, key);
    sockets.push(stalled.socket);
    expect(await openStreams(t.url)).toBe(2);
    const serverClosed = new Promise<void>((resolve) =>
      stalled.serverSocket.once('close', () => resolve()),
    );

    // One event at a time, each read by the healthy reader before the next: the stalled one's
    // kernel buffers fill, then Node's, until the server gives up on it. 1000 events of 40 KB
    // is ten times what loopback buffers can hold.
    const published: DomainEvent[] = [];
    const publishOne = async () => {
      const [event] = await publishBurst(bus, [memoryCreated(ORG, published.length, PADDING)]);
      published.push(event);
      await healthy.waitFor((e) => e.id === event.id, 5000, `event #${published.length}`);
    };
    while (!stalled.serverSocket.destroyed && published.length < 1000) await publishOne();
    await within(serverClosed, 5000, "the server's close of the stalled connection");
    // The healthy reader carries on.
    for (let i = 0; i < 5; i += 1) await publishOne();

    expect(healthy.dataEvents().map((e) => e.id)).toEqual(published.map((e) => e.id));
    expect(healthy.events.some(isType('error'))).toBe(false);
    await untilOpenStreams(t.url, 1, 'one open stream');

    // Once the stalled client reads again it finds the end of a truncated stream.
    let text = stalled.received();
    stalled.socket.removeAllListeners('data');
    stalled.socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    stalled.socket.resume();
    await within(stalled.closed, 10_000, 'the close of the stalled socket');
    expect(text).not.toContain(`id: ${published[published.length - 1].id}\n`);

    healthy.close();
    await untilOpenStreams(t.url, 0, 'no open stream');
  });

  it('lets the closed slow reader resume from the last id it received', async () => {
    const stalled = await openStalledReader(t, key);
    sockets.push(stalled.socket);
    const published: DomainEvent[] = [];
    while (!stalled.serverSocket.destroyed && published.length < 1000) {
      published.push(
        ...(await publishBurst(bus, [memoryCreated(ORG, 10_000 + published.length, PADDING)])),
      );
      // Lets the kernel and the server's ticker see the socket between events.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waitUntil(
      () => stalled.serverSocket.destroyed,
      10_000,
      "the server's close of the stalled connection",
    );

    let text = stalled.received();
    stalled.socket.removeAllListeners('data');
    stalled.socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    stalled.socket.resume();
    await within(stalled.closed, 10_000, 'the close of the stalled socket');
    // The last complete frame with an id is where it resumes from.
    const ids = [...text.matchAll(/\nid: ([^\n]+)\ndata: [^\n]+\n\n/g)].map((m) => m[1]);
    const lastId = ids[ids.length - 1];
    const position = published.findIndex((e) => e.id === lastId.split('~')[0]);

    const resumed = await connect({ 'Last-Event-ID': lastId });
    const missed = published.slice(position + 1);
    await receiveUpTo(resumed, published[published.length - 1].id, missed.length);
    expect(resumed.events.some(isType('stream.reset'))).toBe(false);
    expect(resumed.dataEvents().map((e) => e.id)).toEqual(missed.map((e) => e.id));
  });

  it('does not cut off a reader that keeps reading when a replay of large events exceeds the bound in one burst', async () => {
    const first = await connect();
    const start = (await first.waitFor(isType('heartbeat'))).id!;
    first.close();
    // Five events of 40 KB (200 KB): a small replay, but sent in one go it is more than the bound
    // of 64 KB before the socket has had a chance to take any of it.
    const published = await publishBurst(
      bus,
      Array.from({ length: 5 }, (_, i) => memoryCreated(ORG, 5000 + i, PADDING)),
    );

    const resumed = await connect({ 'Last-Event-ID': start });
    await receiveUpTo(resumed, published[published.length - 1].id, published.length);
    expect(resumed.dataEvents().map((e) => e.id)).toEqual(published.map((e) => e.id));
    expect(resumed.events.some(isType('error'))).toBe(false);
  });
});

describe('slow consumers (STREAM_STALL_TIMEOUT_SECONDS)', () => {
  let t: TestApp;
  let key: string;
  let bus: EventLog;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    t = await startTestApp({
      // Only the time bound can close the reader: the byte and backlog bounds are far away.
      STREAM_STALL_TIMEOUT_SECONDS: '1',
      STREAM_MAX_BUFFERED_BYTES: String(1024 * 1024 * 1024),
      STREAM_MAX_BACKLOG: '100000',
      STREAM_MAX_EVENTS_PER_MINUTE: '1000000',
    });
    key = await t.createKey(ORG, 'alice');
    bus = t.app.get(EventLog);
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.destroy();
  });
  afterAll(() => t?.close());

  it('closes a reader whose socket has not drained for the stall timeout, under every other bound', async () => {
    const stalled = await openStalledReader(t, key);
    sockets.push(stalled.socket);
    const serverClosed = new Promise<void>((resolve) =>
      stalled.serverSocket.once('close', () => resolve()),
    );
    // 300 events of 40 KB (12 MB) fill the socket's buffers whatever the kernel's sizes.
    for (let i = 0; i < 300 && !stalled.serverSocket.destroyed; i += 1) {
      await publishBurst(bus, [memoryCreated(ORG, i, PADDING)]);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await within(serverClosed, 10_000, "the server's close of the stalled connection");
    await untilOpenStreams(t.url, 0, 'no open stream');
  });
});
