import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKeyIn } from './support/processes';
import { Instance, startInstance } from './support/instance';
import { openStream } from './support/sse-client';
import { waitUntil } from './support/stream-helpers';

// Each test starts the service as its own process, compiled on the fly.
jest.setTimeout(60_000);

type LogLine = Record<string, unknown> & { msg?: string };

/** The JSON log lines the process wrote so far (anything else it printed is left out). */
function logLines(instance: Instance): LogLine[] {
  return instance
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

/** Waits for the first JSON log line whose message is `msg`. */
async function logLine(instance: Instance, msg: string): Promise<LogLine> {
  const find = () => logLines(instance).find((line) => line.msg === msg);
  await waitUntil(() => find() !== undefined, 5000, `the log line "${msg}"`);
  return find()!;
}

describe('logs of a running service (JSON)', () => {
  let dir: string;
  let databaseUrl: string;
  let key: string;
  let instance: Instance;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mnemo-logs-'));
    databaseUrl = `sqlite:${join(dir, 'logs.db')}`;
    key = await createKeyIn(databaseUrl);
    instance = await startInstance({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'info' });
  });
  afterAll(async () => {
    await instance?.stop();
    rmSync(dir, { recursive: true, force: true });
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
    expect(instance.output()).not.toContain(key);
  });
});
