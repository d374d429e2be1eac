import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isType, openStream, SseStream } from './support/sse-client';
import { freePort, within } from './support/stream-helpers';

const ROOT = join(__dirname, '..');
const STREAMS = 50;

describe('SIGTERM with open streams (a real server process)', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let url: string;
  let server: ChildProcess;
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  let output = '';

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mnemo-shutdown-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    env = {
      ...process.env,
      DATABASE_URL: `sqlite:${join(dataDir, 'mnemo.db')}`,
      LOG_LEVEL: 'silent',
      PORT: String(port),
      STREAM_MAX_CONNECTIONS_PER_KEY: String(STREAMS * 2),
    };
    server = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    exited = new Promise((resolve) =>
      server.once('exit', (code, signal) => resolve({ code, signal })),
    );
    let gone = false;
    void exited.then(() => (gone = true));

    // Up once it answers HTTP at all.
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (gone) throw new Error(`The server exited while starting:\n${output}`);
      if (Date.now() > deadline) throw new Error(`The server did not start:\n${output}`);
      const answered = await fetch(`${url}/api/v1/memories`).then(
        () => true,
        () => false,
      );
      if (answered) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 60_000);

  afterAll(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill('SIGKILL');
      await exited;
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('tells every stream CONNECTION_ERROR with a jittered retry_after, ends them, and exits', async () => {
    // The key comes from the keys CLI, as an operator would make it, on the server's database.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '-r',
        '@swc-node/register',
        'src/auth/keys.cli.ts',
        'create',
        '--org',
        'o',
        '--user',
        'u',
        '--json',
      ],
      { cwd: ROOT, env, timeout: 30_000 },
    );
    const { key } = JSON.parse(stdout) as { key: string };

    const streams: SseStream[] = await Promise.all(
      Array.from({ length: STREAMS }, () =>
        openStream(`${url}/api/v1/stream`, {
          headers: { Authorization: `Bearer ${key}` },
        }),
      ),
    );
    expect(streams.map((s) => s.status)).toEqual(streams.map(() => 200));

    expect(server.kill('SIGTERM')).toBe(true);
    await within(
      Promise.all(streams.map((s) => s.ended)),
      10_000,
      'the end of every stream after SIGTERM',
    );
    const exit = await within(exited, 10_000, 'the exit of the server after SIGTERM');

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
    expect(output).not.toMatch(/error/i);
  }, 90_000);
});
