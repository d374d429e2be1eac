import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { get } from 'node:http';
import { freePort } from '../../test/support/waits';
import { sleep } from './proc';

export const ROOT = resolve(__dirname, '..', '..');
const SWC = ['-r', '@swc-node/register'];
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** The server under test, as the harness drives it. */
export interface Target {
  name: 'baseline' | 'service';
  pid: number;
  port: number;
  createPath: string;
  searchPath?: string;
  /** Request headers of REST calls. */
  restHeaders: Record<string, string>;
  /** The request line's path and headers of stream number `index`. */
  stream(
    index: number,
    heartbeatSeconds: number,
  ): { path: string; headers: Record<string, string> };
  stop(): Promise<void>;
}

export interface ServiceOptions {
  /** Streams the keys must allow at once. */
  streams: number;
  /** Give each key its own organization (streams of one key share it); default: one organization. */
  organizationPerKey?: boolean;
  /** Run src/main.ts through @swc-node/register instead of dist/main.js (no build needed). */
  fromSource?: boolean;
  /** Write a V8 CPU profile of the service into this folder when it stops. */
  cpuProfileDir?: string;
  /** Extra node flags, e.g. --perf-basic-prof. */
  nodeArgs?: string[];
  env?: Record<string, string>;
}

/** Streams per key: the largest STREAM_MAX_CONNECTIONS_PER_KEY the service accepts. */
export const STREAMS_PER_KEY = 1000;

/** The environment both the service and its keys CLI see; the limits are lifted out of the way. */
function serviceEnvironment(dataDir: string, port: number, extra: Record<string, string> = {}) {
  return {
    ...process.env,
    PORT: String(port),
    DATABASE_URL: `sqlite:${join(dataDir, 'mnemo.db')}`,
    LOG_LEVEL: 'warn',
    STREAM_MAX_CONNECTIONS_PER_KEY: String(STREAMS_PER_KEY),
    // The default 1,000 events a minute per stream would pace a benchmark, not measure it.
    STREAM_MAX_EVENTS_PER_MINUTE: '1000000',
    STREAM_HEARTBEAT_MIN_SECONDS: '1',
    // Periodic producers stay quiet during a run.
    HEALTH_INTERVAL_SECONDS: '3600',
    ANALYTICS_INTERVAL_SECONDS: '86400',
    ...extra,
  };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds dist/ when dist/main.js is missing or older than a file in src/. */
export function ensureBuilt(): void {
  const main = join(ROOT, 'dist', 'main.js');
  let built = 0;
  try {
    built = statSync(main).mtimeMs;
  } catch {
    // Not built yet.
  }
  if (built >= newestMtime(join(ROOT, 'src'))) return;
  process.stderr.write('bench: dist/ is missing or stale, running npm run build\n');
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
}

function httpStatus(port: number, path: string): Promise<number> {
  return new Promise((done) => {
    const request = get({ host: '127.0.0.1', port, path, timeout: 1000 }, (response) => {
      response.resume();
      done(response.statusCode ?? 0);
    });
    request.on('error', () => done(0));
    request.on('timeout', () => request.destroy());
  });
}

/** Spawns a server and resolves once `readyPath` answers 200; rejects with its stderr if it dies. */
async function launch(
  args: string[],
  env: NodeJS.ProcessEnv,
  port: number,
  readyPath: string,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
    // BENCH_VERBOSE=1 shows what the servers print on stderr.
    if (process.env.BENCH_VERBOSE) process.stderr.write(chunk);
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && !exited) {
    if ((await httpStatus(port, readyPath)) === 200) return child;
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`${args.join(' ')} did not become ready on port ${port}:\n${stderr}`);
}

/** SIGTERM, then SIGKILL if it lingers. */
function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}

export async function startBaseline(
  options: { cpuProfileDir?: string; nodeArgs?: string[] } = {},
): Promise<Target> {
  const port = await freePort();
  const profile = options.cpuProfileDir
    ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`]
    : [];
  const child = await launch(
    [...(options.nodeArgs ?? []), ...profile, ...SWC, join(ROOT, 'bench', 'baseline-server.ts')],
    { ...process.env, PORT: String(port) },
    port,
    '/health',
  );
  return {
    name: 'baseline',
    pid: child.pid!,
    port,
    createPath: '/memories',
    restHeaders: { 'Content-Type': 'application/json' },
    stream: (_index, heartbeat) => ({ path: `/stream?heartbeat=${heartbeat}`, headers: {} }),
    stop: () => terminate(child),
  };
}

/** Creates a key with the keys CLI, the way an operator does. */
function createKey(env: NodeJS.ProcessEnv, fromSource: boolean, org: string, user: string) {
  const cli = fromSource
    ? [...SWC, join(ROOT, 'src', 'auth', 'keys.cli.ts')]
    : [join(ROOT, 'dist', 'auth', 'keys.cli.js')];
  const out = execFileSync(
    process.execPath,
    [...cli, 'create', '--org', org, '--user', user, '--json'],
    { cwd: ROOT, env, encoding: 'utf8' },
  );
  return (JSON.parse(out) as { key: string }).key;
}

/**
 * The service on a fresh SQLite database in a temporary folder, with enough keys for
 * `streams` streams (STREAMS_PER_KEY each), created before it starts.
 */
export async function startService(options: ServiceOptions): Promise<Target> {
  const fromSource = options.fromSource ?? false;
  if (!fromSource) ensureBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'mnemo-bench-'));
  const port = await freePort();
  const env = serviceEnvironment(dataDir, port, options.env);
  const keyCount = Math.max(1, Math.ceil(options.streams / STREAMS_PER_KEY));
  const keys: string[] = [];
  for (let i = 0; i < keyCount; i += 1) {
    const org = options.organizationPerKey ? `bench-${i}` : 'bench';
    keys.push(createKey(env, fromSource, org, `user-${i}`));
  }
  const profile = options.cpuProfileDir
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${options.cpuProfileDir}`,
        // Nest re-raises SIGTERM after its shutdown hooks, which would skip writing the profile.
        '-r',
        join(ROOT, 'bench', 'lib', 'exit-on-term.cjs'),
      ]
    : [];
  const entry = fromSource
    ? [...SWC, join(ROOT, 'src', 'main.ts')]
    : [join(ROOT, 'dist', 'main.js')];
  const child = await launch(
    [...(options.nodeArgs ?? []), ...profile, ...entry],
    env,
    port,
    '/health/live',
  );
  return {
    name: 'service',
    pid: child.pid!,
    port,
    createPath: '/api/v1/memories',
    searchPath: '/api/v1/memories/search',
    restHeaders: { 'Content-Type': 'application/json', Authorization: `Bearer ${keys[0]}` },
    stream: (index, heartbeat) => ({
      path: `/api/v1/stream?events=memory.created&heartbeat=${heartbeat}`,
      headers: { Authorization: `Bearer ${keys[Math.floor(index / STREAMS_PER_KEY) % keyCount]}` },
    }),
    stop: async () => {
      await terminate(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
