import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './waits';

export interface PrivateRedis {
  url: string;
  /** Kills the server with SIGKILL: it keeps nothing. */
  kill(): Promise<void>;
  /** Starts the server again on the same port, empty. */
  startEmpty(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A Redis server of this test's own, keeping nothing on disk (as the service's Redis may), so that
 * it can be killed and started again empty without disturbing the shared Redis other suites use.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let server: ChildProcess;

  const start = async () => {
    server = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--appendonly',
        'no',
        '--save',
        '',
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 10_000;
    for (;;) {
      const client = new Redis(url, {
        lazyConnect: true,
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
      });
      const up = await client.connect().then(
        () => client.ping().then(() => true),
        () => false,
      );
      client.disconnect();
      if (up) return;
      if (Date.now() > deadline) throw new Error('The private Redis did not start');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (server.exitCode !== null || server.signalCode !== null) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill(signal);
    await exited;
  };
  await start();
  return {
    url,
    kill: () => stop('SIGKILL'),
    startEmpty: start,
    stop: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
