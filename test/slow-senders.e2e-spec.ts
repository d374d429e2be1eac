import { connect as connectTcp, Socket } from 'node:net';
import { isType, openStream } from './support/sse-client';
import { within } from './support/waits';
import { startTestApp, TestApp } from './support/test-app';

const HEADERS_SECONDS = 1;
const REQUEST_SECONDS = 2;

/** A raw connection to the server: what it has answered so far, and when it closed. */
interface RawConnection {
  socket: Socket;
  received(): string;
  /** Resolves once the server has answered something. */
  answered: Promise<void>;
  /** Resolves when the server ends or drops the connection. */
  closed: Promise<void>;
}

function rawConnection(url: string): RawConnection {
  const socket = connectTcp(Number(new URL(url).port), '127.0.0.1');
  let received = '';
  let onData!: () => void;
  const answered = new Promise<void>((resolve) => (onData = resolve));
  socket.setEncoding('utf8').on('data', (text: string) => {
    received += text;
    onData();
  });
  // Writes after the server hung up fail; the test looks at what was received instead.
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, received: () => received, answered, closed };
}

/** Writes one byte of body every 100 ms until the connection ends; returns how to stop. */
function trickle(connection: RawConnection): () => void {
  const timer = setInterval(() => {
    if (!connection.socket.destroyed) connection.socket.write('x');
  }, 100);
  void connection.closed.then(() => clearInterval(timer));
  return () => clearInterval(timer);
}

const postHead = (headers: string) =>
  'POST /api/v1/memories HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n' +
  `Content-Length: 1000000\r\n${headers}\r\n`;

/** The status line and the JSON body of an answer received whole. */
function parseAnswer(raw: string): { status: number; head: string; body: Record<string, unknown> } {
  const [head, body] = raw.split('\r\n\r\n');
  return {
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]),
    head: head.toLowerCase(),
    body: JSON.parse(body) as Record<string, unknown>,
  };
}

describe('slow senders', () => {
  let t: TestApp;
  let key: string;
  const connections: RawConnection[] = [];
  const connect = () => {
    const connection = rawConnection(t.url);
    connections.push(connection);
    return connection;
  };

  beforeAll(async () => {
    t = await startTestApp({
      HTTP_HEADERS_TIMEOUT_SECONDS: String(HEADERS_SECONDS),
      HTTP_REQUEST_TIMEOUT_SECONDS: String(REQUEST_SECONDS),
      STREAM_HEARTBEAT_MIN_SECONDS: '1',
    });
    key = await t.createKey('acme', 'alice');
  });
  afterEach(() => {
    for (const connection of connections.splice(0)) connection.socket.destroy();
  });
  afterAll(() => t?.close());

  it.each([
    ['no key', ''],
    ['an unknown key', 'Authorization: Bearer mnemo_0123456789abcdef_nope\r\n'],
    ['a malformed Authorization header', 'Authorization: Basic abc\r\n'],
  ])(
    'refuses a body announced with %s with 401 before reading it, and closes the connection',
    async (_case, headers) => {
      const connection = connect();
      connection.socket.write(postHead(headers));
      trickle(connection);
      // Well before the request timeout: the body is not waited for.
      await within(connection.closed, (REQUEST_SECONDS * 1000) / 2, 'the connection to close');
      const answer = parseAnswer(connection.received());
      expect(answer.status).toBe(401);
      expect(answer.head).toContain('connection: close');
      expect(answer.body).toMatchObject({ code: 'AUTH_ERROR', request_id: expect.any(String) });
    },
  );

  it("answers the early 401 with the route guard's error body", async () => {
    // Without a body, the request reaches the route's guard, which refuses it.
    const guarded = await fetch(`${t.url}/api/v1/memories`);
    const connection = connect();
    connection.socket.write(postHead(''));
    await within(connection.closed, REQUEST_SECONDS * 1000, 'the connection to close');
    const { request_id: _early, ...early } = parseAnswer(connection.received()).body;
    const { request_id: _guarded, ...byGuard } = (await guarded.json()) as Record<string, unknown>;
    expect(guarded.status).toBe(401);
    expect(early).toEqual(byGuard);
  });

  it('cuts off an authenticated body that trickles past the request timeout with 408', async () => {
    const connection = connect();
    const startedAt = Date.now();
    connection.socket.write(postHead(`Authorization: Bearer ${key}\r\n`));
    trickle(connection);
    await within(connection.closed, (REQUEST_SECONDS + 3) * 1000, 'the connection to close');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(REQUEST_SECONDS * 1000 - 100);
    expect(parseAnswer(connection.received()).status).toBe(408);
  });

  it('cuts off headers that trickle past the headers timeout with 408', async () => {
    const connection = connect();
    const startedAt = Date.now();
    connection.socket.write('GET /health/live HTTP/1.1\r\nHost: localhost\r\n');
    const timer = setInterval(() => {
      if (!connection.socket.destroyed) connection.socket.write('X-Slow: y\r\n');
    }, 100);
    try {
      await within(connection.closed, (HEADERS_SECONDS + 3) * 1000, 'the connection to close');
    } finally {
      clearInterval(timer);
    }
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(HEADERS_SECONDS * 1000 - 100);
    expect(parseAnswer(connection.received()).status).toBe(408);
  });

  it('leaves an event stream open well past the request timeout: it times the request only', async () => {
    const stream = await openStream(`${t.url}/api/v1/stream?heartbeat=1`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    try {
      expect(stream.status).toBe(200);
      const beats = () => stream.events.filter(isType('heartbeat')).length;
      const past = REQUEST_SECONDS + 2;
      await stream.waitFor(() => beats() > past, (past + 3) * 1000, `${past} heartbeats`);
      expect(stream.events.some(isType('error'))).toBe(false);
    } finally {
      stream.close();
    }
  });
});
