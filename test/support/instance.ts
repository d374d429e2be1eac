import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './waits';

const ROOT = join(__dirname, '..', '..');

/** How the process ended: its exit code, or the signal that ended it. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Instance {
  url: string;
  process: ChildProcess;
  exited: Promise<Exit>;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** How to start the service: by default from the sources of this checkout. */
export interface Launch {
  command: string;
  args: string[];
  cwd: string;
}

const FROM_SOURCE: Launch = {
  command: process.execPath,
  args: ['-r', '@swc-node/register', 'src/main.ts'],
  cwd: ROOT,
};

/** The service as a separate process, as an operator runs it, answering HTTP on a free port. */
export async function startInstance(
  env: Record<string, string>,
  launch: Launch = FROM_SOURCE,
): Promise<Instance> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(launch.command, launch.args, {
    cwd: launch.cwd,
    env: { ...process.env, LOG_LEVEL: 'silent', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let gone = false;
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  void exited.then(() => (gone = true));

  const deadline = Date.now() + 30_000;
  while (
    !(await fetch(`${url}/health/live`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (gone) throw new Error(`The instance exited while starting:\n${output}`);
    if (Date.now() > deadline) throw new Error(`The instance did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    process: child,
    exited,
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      if (!gone) child.kill(signal);
      await exited;
    },
  };
}
