import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isType, openStream, SseStream } from './support/sse-client';
import { Instance, startInstance } from './support/instance';
import { runKeysCli } from './support/processes';
import { within } from './support/waits';

const STREAMS = 50;

describe('SIGTERM with open streams (a real server process)', () => {
  let dataDir: string;
  let databaseUrl: string;
  let server: Instance;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mnemo-shutdown-'));
    databaseUrl = `sqlite:${join(dataDir, 'mnemo.db')}`;
    server = await startInstance({
      DATABASE_URL: databaseUrl,
      STREAM_MAX_CONNECTIONS_PER_KEY: String(STREAMS * 2),
    });
  }, 60_000);

  afterAll(async () => {
    await server?.stop('SIGKILL');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('tells every stream CONNECTION_ERROR with a jittered retry_after, ends them, and exits', async () => {
    // The key comes from the keys CLI, as an operator would make it, on the server's database.
    const { stdout } = await runKeysCli(databaseUrl, [
      'create',
      '--org',
      'o',
      '--user',
      'u',
      '--json',
    ]);
    const { key } = JSON.parse(stdout) as { key: string };

    const streams: SseStream[] = await Promise.all(
      Array.from({ length: STREAMS }, () =>
        openStream(`${server.url}/api/v1/stream`, {
          headers: { Authorization: `Bearer ${key}` },
        }),
      ),
    );
    expect(streams.map((s) => s.status)).toEqual(streams.map(() => 200));

    expect(server.process.kill('SIGTERM')).toBe(true);
    await within(
      Promise.all(streams.map((s) => s.ended)),
      10_000,
      'the end of every stream after SIGTERM',
    );
    const exit = await within(server.exited, 10_000, 'the exit of the server after SIGTERM');

    const retries: number[] = [];
    for (const stream of streams) {
      const errors = stream.events.filter(isType('error'));
      expect(errors).toHaveLength(1);
      const [error] = errors;
      expect(error.json).toEqual({
        code: 'CONNECTION_ERROR',
        message: expect.stringMatching(/\S/),
        retry_after: expect.any(Number),
      });
      expect(error.id).toEqual(expect.stringMatching(/\S/));
      const retryAfter = error.json.retry_after as number;
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1000);
      expect(retryAfter).toBeLessThanOrEqual(5000);
      retries.push(retryAfter);
      // Nothing after the error event: it is the last frame, and the last bytes, of the stream.
      expect(stream.events[stream.events.length - 1]).toBe(error);
      expect(stream.raw().endsWith(`event: error\nid: ${error.id}\ndata: ${error.data}\n\n`)).toBe(
        true,
      );
    }
    // Jittered: the clients do not all come back at the same moment.
    expect(new Set(retries).size).toBeGreaterThan(1);

    // Nest re-raises the signal once it has shut down; a clean exit 0 is as good.
    expect([
      { code: 0, signal: null },
      { code: null, signal: 'SIGTERM' },
    ]).toContainEqual(exit);
    expect(server.output()).not.toMatch(/error/i);
  }, 90_000);
});
