import { MemoryClient, MemoryStream, MemoryStreamError } from '../src/client';
import { openEventStream, ScriptedServer, startScriptedServer } from './support/scripted-server';
import { waitUntil, within } from './support/stream-helpers';

/**
 * How the client reconnects when a server misbehaves in ways the real service never does on
 * purpose. Real sockets and real time; no mocked timers.
 */
describe('MemoryStream reconnecting', () => {
  let server: ScriptedServer | undefined;
  let stream: MemoryStream | undefined;

  const connect = (scripted: ScriptedServer, heartbeat = 1) => {
    server = scripted;
    stream = new MemoryClient({ apiKey: 'mnemo_test', baseUrl: scripted.url }).createStream({
      heartbeat,
    });
    const errors: Array<{ error: MemoryStreamError; at: number }> = [];
    stream.on('error', (error) => errors.push({ error, at: Date.now() }));
    return { stream, errors };
  };

  afterEach(async () => {
    stream?.close();
    await server?.close();
    stream = undefined;
    server = undefined;
  });

  it('reconnects from the last id when a server goes silent for twice the heartbeat', async () => {
    // Every connection: headers, a retry line and one heartbeat, then nothing at all.
    const silent = await startScriptedServer((response, n) => openEventStream(response, `hb-${n}`));
    let heartbeatAt = 0;
    const { stream, errors } = connect(silent, 1);
    stream.on('heartbeat', () => (heartbeatAt ||= Date.now()));

    await waitUntil(() => silent.requests.length === 2, 6000, 'a second connection');
    const [first, second] = silent.requests;
    expect(errors.map(({ error }) => [error.code, error.fatal])).toEqual([
      ['HEARTBEAT_TIMEOUT', false],
    ]);
    const silenceMs = errors[0].at - heartbeatAt;
    expect(silenceMs).toBeGreaterThanOrEqual(1900);
    expect(silenceMs).toBeLessThan(3500);
    expect(second.headers['last-event-id']).toBe('hb-0');
    // The dead connection was let go, not left open beside the new one.
    await within(first.closed, 1000, 'the silent connection to be closed');
    expect(first.headers.authorization).toBe('Bearer mnemo_test');
    expect(first.headers.accept).toBe('text/event-stream');
  });

  it('waits as long as Retry-After says after a 429', async () => {
    const limited = await startScriptedServer((response, n) => {
      if (n > 0) return openEventStream(response, 'hb');
      response.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': '1' });
      response.end(JSON.stringify({ code: 'RATE_LIMITED', message: 'Too many connections' }));
    });
    const { errors } = connect(limited);
    await waitUntil(() => limited.requests.length === 2, 5000, 'the retry');
    expect(errors.map(({ error }) => error)).toEqual([
      expect.objectContaining({
        code: 'RATE_LIMITED',
        status: 429,
        retryAfter: 1000,
        fatal: false,
      }),
    ]);
    expect(limited.requests[1].at - limited.requests[0].at).toBeGreaterThanOrEqual(1000);
  });

  it("waits the error event's retry_after, then resumes from the error's id", async () => {
    const closing = await startScriptedServer((response, n) => {
      openEventStream(response, `hb-${n}`);
      if (n > 0) return;
      const error = { code: 'CONNECTION_ERROR', message: 'restarting', retry_after: 700 };
      response.end(`event: error\nid: err-0\ndata: ${JSON.stringify(error)}\n\n`);
    });
    const { errors } = connect(closing);
    await waitUntil(() => closing.requests.length === 2, 5000, 'the reconnect');
    expect(errors.map(({ error }) => [error.code, error.retryAfter, error.fatal])).toEqual([
      ['CONNECTION_ERROR', 700, false],
    ]);
    expect(closing.requests[1].at - errors[0].at).toBeGreaterThanOrEqual(690);
    expect(closing.requests[1].headers['last-event-id']).toBe('err-0');
  });

  it('keeps retrying with growing, jittered delays while the server answers 5xx', async () => {
    const failing = await startScriptedServer((response) => {
      response.writeHead(503, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ code: 'INTERNAL_ERROR', message: 'down' }));
    });
    const { errors } = connect(failing);
    await waitUntil(() => failing.requests.length === 3, 10_000, 'two retries');
    expect(errors.slice(0, 2).map(({ error }) => [error.code, error.status, error.fatal])).toEqual([
      ['INTERNAL_ERROR', 503, false],
      ['INTERNAL_ERROR', 503, false],
    ]);
    // Full jitter below 1 s, then below 2 s (with room for a busy machine).
    const [a, b, c] = failing.requests.map((r) => r.at);
    expect(b - a).toBeLessThan(1500);
    expect(c - b).toBeLessThan(2500);
  });
});
