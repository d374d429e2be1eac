/**
 * Idle connections: open streams in steps (default 5,000 then 10,000) with a short heartbeat;
 * server RSS per connection, time to connect them, and that every one receives a heartbeat.
 * Run: npm run bench:idle (BENCH_IDLE_COUNTS=5000,10000, BENCH_HEARTBEAT_SECONDS=5).
 */
import { join } from 'node:path';
import { openFileLimit, rssBytes, sleep } from './lib/proc';
import { compare, envNumber, publish, Row, ScenarioResult } from './lib/report';
import { Subscribers } from './lib/subscribers';
import { ROOT, startBaseline, startService, Target } from './lib/targets';

export interface IdleOptions {
  /** Open streams at each step, increasing. */
  counts: number[];
  heartbeatSeconds: number;
}

export interface IdleStep {
  connections: number;
  /** Time to open the streams added at this step (each has its first heartbeat). */
  connectMs: number;
  failed: number;
  rssBytes: number;
  rssPerConnectionBytes: number;
  /** Streams that received a periodic heartbeat within heartbeat + 3 s of the mark. */
  withHeartbeat: number;
  live: number;
}

export interface TargetIdle {
  rssBeforeBytes: number;
  steps: IdleStep[];
  errors: string[];
}

/** Descriptors needed per process for `count` streams, with room for the rest. */
const FD_MARGIN = 200;

/** Both servers collect their garbage on SIGWINCH before RSS is read. */
const GC_ON_SIGNAL = ['--expose-gc', '-r', join(ROOT, 'bench', 'lib', 'gc-on-signal.cjs')];

/** RSS after a full GC, once it has stopped moving (samples 500 ms apart agree within 1%), at most 10 s. */
async function settledRss(pid: number): Promise<number> {
  process.kill(pid, 'SIGWINCH');
  await sleep(500);
  let last = rssBytes(pid);
  for (let i = 0; i < 20; i += 1) {
    await sleep(500);
    const now = rssBytes(pid);
    if (Math.abs(now - last) / last < 0.01) return now;
    last = now;
  }
  return last;
}

export async function idleOn(
  kind: 'baseline' | 'service',
  options: IdleOptions,
): Promise<TargetIdle> {
  const most = Math.max(...options.counts);
  const target: Target =
    kind === 'baseline'
      ? await startBaseline({ nodeArgs: GC_ON_SIGNAL })
      : await startService({
          streams: most,
          nodeArgs: GC_ON_SIGNAL,
          // A tenant per key: the streams of one organization all see each other's
          // stream.opened activity, which is not what this measures.
          organizationPerKey: true,
          env: { STREAM_HEARTBEAT_MIN_SECONDS: String(options.heartbeatSeconds) },
        });
  const subscribers = await Subscribers.start();
  try {
    const rssBefore = await settledRss(target.pid);
    const steps: IdleStep[] = [];
    let open = 0;
    for (const count of options.counts) {
      const connect = await subscribers.connect(target, count - open, {
        from: open,
        heartbeatSeconds: options.heartbeatSeconds,
      });
      open = count;
      const rss = await settledRss(target.pid);
      await subscribers.markHeartbeats();
      await sleep((options.heartbeatSeconds + 3) * 1000);
      const beats = await subscribers.heartbeats();
      steps.push({
        connections: count,
        connectMs: connect.ms,
        failed: connect.failed,
        rssBytes: rss,
        rssPerConnectionBytes: (rss - rssBefore) / count,
        withHeartbeat: beats.withHeartbeat,
        live: beats.live,
      });
    }
    return { rssBeforeBytes: rssBefore, steps, errors: await subscribers.errors() };
  } finally {
    await subscribers.closeAll().catch(() => undefined);
    await subscribers.stop();
    await target.stop();
  }
}

export async function runIdle(options: IdleOptions): Promise<ScenarioResult> {
  const limit = openFileLimit();
  const counts = options.counts.filter((count) => count + FD_MARGIN <= limit);
  const skipped = options.counts.filter((count) => !counts.includes(count));
  if (counts.length === 0)
    throw new Error(`ulimit -n is ${limit}: too low for ${options.counts.join(', ')} streams`);
  const run = { ...options, counts };
  const baseline = await idleOn('baseline', run);
  const service = await idleOn('service', run);
  const rows: Row[] = [];
  // Streams are added step by step: the time to connect them all sums the steps so far.
  const connectedIn = (steps: IdleStep[], i: number) =>
    steps.slice(0, i + 1).reduce((sum, step) => sum + step.connectMs, 0);
  counts.forEach((count, i) => {
    const s = service.steps[i];
    const b = baseline.steps[i];
    const n = count.toLocaleString('en-US');
    rows.push(
      compare(
        `${n} streams: RSS per connection (KiB)`,
        s.rssPerConnectionBytes / 1024,
        b.rssPerConnectionBytes / 1024,
        { max: 1.2 },
      ),
      compare(
        `${n} streams: time to connect them all (ms)`,
        connectedIn(service.steps, i),
        connectedIn(baseline.steps, i),
      ),
      {
        metric: `${n} streams: open and receiving heartbeats`,
        service: `${s.withHeartbeat}/${count}`,
        baseline: `${b.withHeartbeat}/${count}`,
        target: 'all',
        met: s.withHeartbeat === count && s.failed === 0,
      },
    );
  });
  for (const count of skipped) {
    rows.push({
      metric: `${count.toLocaleString('en-US')} streams`,
      service: `skipped: ulimit -n is ${limit}`,
    });
  }
  return {
    scenario: `Idle connections with a heartbeat every ${options.heartbeatSeconds} s`,
    options: run,
    rows,
    details: { baseline, service, skipped, openFileLimit: limit },
  };
}

export function idleOptionsFromEnv(): IdleOptions {
  const counts = (process.env.BENCH_IDLE_COUNTS ?? '5000,10000')
    .split(',')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0)
    .sort((a, b) => a - b);
  return { counts, heartbeatSeconds: envNumber('BENCH_HEARTBEAT_SECONDS', 5) };
}

if (require.main === module) {
  runIdle(idleOptionsFromEnv()).then(
    (result) => publish('idle', [result]),
    (error: unknown) => {
      process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
      process.exitCode = 1;
    },
  );
}
