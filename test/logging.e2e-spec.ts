import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKeyIn } from './support/processes';
import { Instance, startInstance } from './support/instance';
import { openStream } from './support/sse-client';
import { waitUntil } from './support/waits';

// Each suite starts the service as its own process, compiled on the fly.
jest.setTimeout(60_000);

type LogLine = Record<string, unknown> & { msg?: string; level?: number };

const WARN = 40;

/** The JSON log lines the process wrote so far (anything else it printed is left out). */
function logLines(instance: Instance): LogLine[] {
  return instance
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

/** Waits for the first JSON log line whose message matches `msg`. */
async function logLine(instance: Instance, msg: string | RegExp): Promise<LogLine> {
  const matches = (line: LogLine) =>
    typeof msg === 'string' ? line.msg === msg : msg.test(line.msg ?? '');
  const find = () => logLines(instance).find(matches);
  await waitUntil(() => find() !== undefined, 5000, `the log line "${String(msg)}"`);
  return find()!;
}

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'mnemo-logs-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('logs of a running service (JSON)', () => {
  let key: string;
  let instance: Instance;

  beforeAll(async () => {
    const databaseUrl = `sqlite:${join(dir, 'logs.db')}`;
    key = await createKeyIn(databaseUrl);
    instance = await startInstance({
      DATABASE_URL: databaseUrl,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
    });
  });
  afterAll(() => instance?.stop());

  it('says where it listens, with a route table that is true and no warnings', async () => {
    const { port } = new URL(instance.url);
    expect(await logLine(instance, 'Listening on http://127.0.0.1:' + port)).toMatchObject({
      level: 30,
      address: '127.0.0.1',
      port: Number(port),
    });
    const lines = logLines(instance);
    expect(lines.filter((line) => line.level! >= WARN)).toEqual([]);
    expect(lines.map((line) => line.msg)).toEqual(
      expect.arrayContaining([
        'Mapped {/health, GET} route',
        'Mapped {/api/v1/memories, GET} route',
      ]),
    );
    expect(instance.output()).not.toMatch(/\/api\/v1\/(health|metrics)/);
  });

  it('logs a request as one short line: id, method, path, status and time, no headers', async () => {
    const response = await fetch(`${instance.url}/api/v1/memories?limit=1`, {
      headers: {
        Authorization: `Bearer ${key}`,
        'User-Agent': `Mozilla/5.0 ${'x'.repeat(300)}`,
        'Accept-Language': 'en-GB,en;q=0.9,fr;q=0.8',
        'X-Request-Id': 'logged-request-1',
      },
    });
    expect(response.status).toBe(200);
    const line = await logLine(instance, /^GET \/api\/v1\/memories\?limit=1 200 in \d+ ms$/);
    expect(line).toEqual({
      level: 30,
      time: expect.any(Number),
      pid: expect.any(Number),
      hostname: expect.any(String),
      req: { id: 'logged-request-1', method: 'GET', url: '/api/v1/memories?limit=1' },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
      msg: expect.any(String),
    });
    expect(JSON.stringify(line).length).toBeLessThan(300);
  });

  it('logs a stream opening and closing with its organization, user and connection id', async () => {
    const stream = await openStream(`${instance.url}/api/v1/stream`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    const opened = await logLine(instance, 'stream opened');
    expect(opened).toMatchObject({
      level: 30,
      context: 'StreamHub',
      organization_id: 'acme',
      user_id: 'alice',
      connection_id: expect.any(String),
    });
    stream.close();
    expect(await logLine(instance, 'stream closed')).toMatchObject({
      level: 30,
      organization_id: 'acme',
      user_id: 'alice',
      connection_id: opened.connection_id,
      reason: 'client',
    });
    // The request line of a stream the client closed is left to debug: the lines above say it.
    const streamRequests = logLines(instance).filter(
      (line) => 'res' in line && (line.req as { url?: string }).url === '/api/v1/stream',
    );
    expect(streamRequests).toEqual([]);
    expect(instance.output()).not.toContain('request aborted');
    expect(instance.output()).not.toContain(key);
  });

  it('on SIGTERM logs the shutdown and its end, then exits', async () => {
    await instance.stop('SIGTERM');
    const messages = logLines(instance).map((line) => line.msg);
    expect(messages.slice(-2)).toEqual(['Shutting down on SIGTERM: ending streams', 'Stopped']);
  });
});

describe('logs on a terminal (LOG_FORMAT=pretty)', () => {
  let instance: Instance;

  beforeAll(async () => {
    instance = await startInstance({
      DATABASE_URL: `sqlite:${join(dir, 'pretty.db')}`,
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'pretty',
    });
  });
  afterAll(() => instance?.stop());

  it('writes one readable line per entry: time, level, context and message', async () => {
    const { port } = new URL(instance.url);
    const listening = new RegExp(
      `^\\[\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\] INFO: \\[Lifecycle\\] Listening on http://localhost:${port} \\(every interface\\)`,
      'm',
    );
    await waitUntil(() => listening.test(instance.output()), 5000, 'the listening line');
    expect(instance.output()).not.toMatch(/^\{/m);
  });
});
