import { MemoryClient, MemoryStream, MemoryStreamError } from '@mnemo/client';
import { FakeClock, fakeClock } from './support/fake-clock';
import { openEventStream, ScriptedServer, startScriptedServer } from './support/scripted-server';
import { waitUntil, within } from './support/waits';

/**
 * How the client reconnects when a server misbehaves in ways the real service never does on
 * purpose. Real sockets; the client's waits (backoff, Retry-After, the watchdog) run on a fake
 * clock, so each is measured exactly and none takes wall time.
 */
describe('MemoryStream reconnecting', () => {
  let server: ScriptedServer | undefined;
  let stream: MemoryStream | undefined;

  const connect = (scripted: ScriptedServer, clock: FakeClock = fakeClock()) => {
    server = scripted;
    stream = new MemoryClient({ apiKey: 'mnemo_test', baseUrl: scripted.url, clock }).createStream({
      heartbeat: 1,
    });
    // When each error was told, on the client's clock.
    const errors: Array<{ error: MemoryStreamError; at: number }> = [];
    stream.on('error', (error) => errors.push({ error, at: clock.now() }));
    return { stream, errors, clock };
  };

  /** Fires the client's next timer (its wait before reconnecting); resolves with the request. */
  const reconnect = async (scripted: ScriptedServer, clock: FakeClock) => {
    const requests = scripted.requests.length;
    clock.next();
    await waitUntil(() => scripted.requests.length > requests, 5000, 'the reconnect');
    return scripted.requests[requests];
  };

  afterEach(async () => {
    stream?.close();
    await server?.close();
    stream = undefined;
    server = undefined;
  });

  it("reconnects from the last id when a server goes silent for twice the heartbeat's interval", async () => {
    // Every connection: headers, a retry line and one heartbeat saying 5 s, then nothing at all.
    const silent = await startScriptedServer((response, n) =>
      openEventStream(response, `hb-${n}`, { intervalSeconds: 5 }),
    );
    const { stream, errors, clock } = connect(silent);
    const heartbeats: number[] = [];
    stream.on('heartbeat', (event) => heartbeats.push(event.data.interval_seconds));
    await waitUntil(() => heartbeats.length === 1, 5000, 'the first heartbeat');

    // The watchdog's timer is the only one: it fires once the silence has lasted 2 x 5 s (not the
    // 2 x 1 s asked for: the heartbeat's word wins).
    clock.next();
    await waitUntil(() => errors.length === 1, 5000, 'the silence to be called out');
    expect(errors.map(({ error, at }) => [error.code, error.fatal, at])).toEqual([
      ['HEARTBEAT_TIMEOUT', false, 10_000],
    ]);
    expect(errors[0].error.message).toBe('Nothing received for 10 s');

    const [first] = silent.requests;
    const second = await reconnect(silent, clock);
    // The server's `retry: 50` is the backoff's base: full jitter below it.
    expect(clock.now() - errors[0].at).toBeLessThan(50);
    expect(second.headers['last-event-id']).toBe('hb-0');
    // The dead connection was let go, not left open beside the new one.
    await within(first.closed, 1000, 'the silent connection to be closed');
    expect(first.headers.authorization).toBe('Bearer mnemo_test');
    expect(first.headers.accept).toBe('text/event-stream');
  });

  it.each([
    ['seconds', '1', 1000],
    ['an HTTP date', 'Tue, 01 Jan 2030 00:00:05 GMT', 5000],
  ])('waits as long as Retry-After says (%s) after a 429', async (_, retryAfter, waitMs) => {
    const limited = await startScriptedServer((response, n) => {
      if (n > 0) return openEventStream(response, 'hb');
      response.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': retryAfter });
      response.end(JSON.stringify({ code: 'RATE_LIMITED', message: 'Too many connections' }));
    });
    const { errors, clock } = connect(limited, fakeClock(Date.parse('2030-01-01T00:00:00Z')));
    await waitUntil(() => errors.length === 1, 5000, 'the refusal');
    expect(errors[0].error).toMatchObject({
      code: 'RATE_LIMITED',
      status: 429,
      retryAfter: waitMs,
      fatal: false,
    });
    expect(stream?.readyState).toBe('connecting');

    await reconnect(limited, clock);
    expect(clock.now() - errors[0].at).toBe(waitMs);
  });

  it("waits the error event's retry_after, then resumes from the error's id", async () => {
    const closing = await startScriptedServer((response, n) => {
      openEventStream(response, `hb-${n}`);
      if (n > 0) return;
      const error = { code: 'CONNECTION_ERROR', message: 'restarting', retry_after: 700 };
      response.end(`event: error\nid: err-0\ndata: ${JSON.stringify(error)}\n\n`);
    });
    const { errors, clock } = connect(closing);
    await waitUntil(() => errors.length === 1, 5000, 'the error event');
    expect(errors.map(({ error }) => [error.code, error.retryAfter, error.fatal])).toEqual([
      ['CONNECTION_ERROR', 700, false],
    ]);

    const second = await reconnect(closing, clock);
    expect(clock.now() - errors[0].at).toBe(700);
    expect(second.headers['last-event-id']).toBe('err-0');
  });

  it('keeps retrying with jittered delays below a doubling ceiling while the server answers 5xx', async () => {
    const failing = await startScriptedServer((response) => {
      response.writeHead(503, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ code: 'INTERNAL_ERROR', message: 'down' }));
    });
    const { errors, clock } = connect(failing);
    const waits: number[] = [];
    for (let failure = 1; failure <= 4; failure += 1) {
      await waitUntil(() => errors.length === failure, 5000, `failure ${failure}`);
      await reconnect(failing, clock);
      waits.push(clock.now() - errors[failure - 1].at);
    }
    expect(errors.slice(0, 4).map(({ error }) => [error.code, error.status, error.fatal])).toEqual(
      Array(4).fill(['INTERNAL_ERROR', 503, false]),
    );
    // Full jitter below 1, 2, 4 and 8 s (the default base, doubled after each failure).
    waits.forEach((wait, n) => {
      expect(wait).toBeGreaterThanOrEqual(0);
      expect(wait).toBeLessThan(1000 * 2 ** n);
    });
  });

  it("emits open on each connection, and is 'open' from then on", async () => {
    const closing = await startScriptedServer((response, n) => {
      openEventStream(response, `hb-${n}`);
      if (n === 0) response.end();
    });
    const { stream, errors, clock } = connect(closing);
    const states: string[] = [];
    stream.on('open', (event) => states.push(`${event.type}:${stream.readyState}`));
    await waitUntil(() => errors.length === 1, 5000, 'the end of the first connection');
    expect(errors[0].error.code).toBe('NETWORK_ERROR');
    expect(stream.readyState).toBe('connecting');

    await reconnect(closing, clock);
    await waitUntil(() => states.length === 2, 5000, 'the second open');
    expect(states).toEqual(['open:open', 'open:open']);
  });
});
