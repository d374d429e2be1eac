import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { within } from './support/waits';

const ROOT = join(__dirname, '..');

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the service as an operator does, until it exits on its own. */
function runUntilExit(env: Record<string, string>): Promise<Exit> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<Exit>((resolve) =>
    child.once('close', (code) => resolve({ code, stdout, stderr })),
  );
  return within(exited, 25_000, 'the service to exit').finally(() => child.kill('SIGKILL'));
}

describe('startup errors: one line saying what is wrong, exit code 1', () => {
  let dataDir: string;
  let databaseUrl: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'mnemo-startup-'));
    databaseUrl = `sqlite:${join(dataDir, 'mnemo.db')}`;
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  describe('a port already in use', () => {
    let holder: Server;
    let port: number;

    beforeAll(async () => {
      holder = createServer();
      await new Promise<void>((resolve) => holder.listen(0, resolve));
      port = (holder.address() as { port: number }).port;
    });
    afterAll(() => new Promise((resolve) => holder.close(resolve)));

    it('prints one line naming the port, no stack trace, and exits with 1', async () => {
      const exit = await runUntilExit({ PORT: String(port), DATABASE_URL: databaseUrl });
      expect(exit.code).toBe(1);
      expect(exit.stderr).toBe(
        `PORT=${port}: port ${port} is already in use; stop what holds it or set PORT to a free port\n`,
      );
      expect(exit.stdout).not.toMatch(/EADDRINUSE|\n\s+at /);
    });
  });

  it.each([
    ['STREAM_HEARTBEAT_MIN_SECONDS', 'abc', 'must be an integer number'],
    ['STREAM_HEARTBEAT_MIN_SECONDS', '301', 'must not be greater than 300'],
    ['PORT', '3.5', 'must be an integer number'],
  ])('refuses %s=%s saying only that it %s', async (name, value, rule) => {
    const exit = await runUntilExit({ [name]: value, DATABASE_URL: databaseUrl });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toBe(`Invalid configuration:\n  ${name}="${value}": ${name} ${rule}\n`);
  });
});
