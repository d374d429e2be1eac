/**
 * Write path: POST /memories under load (autocannon) with no subscribers, then with subscribers
 * that receive every memory, and (service only) with subscribers of another organization.
 * Run: npm run bench:write (BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_SUBSCRIBERS).
 */
import { LoadResult, postLoad } from './lib/cannon';
import { benchMemory } from './lib/http';
import { compare, envNumber, publish, Row, ScenarioResult } from './lib/report';
import { Subscribers } from './lib/subscribers';
import { startBaseline, startService, STREAMS_PER_KEY, Target } from './lib/targets';

export interface WriteOptions {
  seconds: number;
  connections: number;
  subscribers: number;
}

export interface TargetWrite {
  /** The better of the two runs without subscribers (one before, one after the others). */
  none: LoadResult;
  noneRuns: LoadResult[];
  subscribed: LoadResult;
  /** Subscribers of another organization: open streams that receive nothing of these writes. */
  otherOrganization?: LoadResult;
}

async function load(target: Target, options: WriteOptions, seconds = options.seconds) {
  return postLoad(target, target.createPath, {
    seconds,
    connections: options.connections,
    body: (index) => benchMemory(index),
  });
}

/** Load with `count` open streams starting at stream index `from` (which picks key and organization). */
async function withSubscribers(
  target: Target,
  options: WriteOptions,
  from: number,
): Promise<LoadResult> {
  const subscribers = await Subscribers.start();
  try {
    const connect = await subscribers.connect(target, options.subscribers, {
      from,
      heartbeatSeconds: 300,
    });
    if (connect.failed > 0) throw new Error(`streams failed to open: ${connect.errors[0]}`);
    return await load(target, options);
  } finally {
    await subscribers.closeAll().catch(() => undefined);
    await subscribers.stop();
  }
}

export async function writeOn(
  kind: 'baseline' | 'service',
  options: WriteOptions,
): Promise<TargetWrite> {
  // Service: one organization per key, so streams from STREAMS_PER_KEY on belong to another one
  // than the writer's (key 0).
  const target =
    kind === 'baseline'
      ? await startBaseline()
      : await startService({
          streams: STREAMS_PER_KEY + options.subscribers,
          organizationPerKey: true,
        });
  try {
    await load(target, options, 3); // warm-up
    const first = await load(target, options);
    const subscribed = await withSubscribers(target, options, 0);
    const otherOrganization =
      kind === 'service' ? await withSubscribers(target, options, STREAMS_PER_KEY) : undefined;
    // Measured twice, apart, because other work on the machine can only slow a run down.
    const last = await load(target, options);
    const none = last.requestsPerSecond > first.requestsPerSecond ? last : first;
    return { none, noneRuns: [first, last], subscribed, otherOrganization };
  } finally {
    await target.stop();
  }
}

export async function runWrite(options: WriteOptions): Promise<ScenarioResult> {
  if (options.subscribers > STREAMS_PER_KEY) {
    throw new Error(
      `The write path takes at most ${STREAMS_PER_KEY} subscribers (one key each side)`,
    );
  }
  const baseline = await writeOn('baseline', options);
  const service = await writeOn('service', options);
  const n = options.subscribers.toLocaleString('en-US');
  const share = (r: TargetWrite, load: LoadResult) =>
    load.requestsPerSecond / r.none.requestsPerSecond;
  const rows: Row[] = [
    compare(
      'no subscribers (best of 2): requests/s',
      service.none.requestsPerSecond,
      baseline.none.requestsPerSecond,
    ),
    compare('no subscribers: p99 (ms)', service.none.p99Ms, baseline.none.p99Ms),
    compare(
      'no subscribers: server CPU ms per request',
      service.none.serverCpuMsPerRequest,
      baseline.none.serverCpuMsPerRequest,
    ),
    compare(
      `${n} subscribers receiving: requests/s`,
      service.subscribed.requestsPerSecond,
      baseline.subscribed.requestsPerSecond,
    ),
    compare(
      `${n} subscribers receiving: p99 (ms)`,
      service.subscribed.p99Ms,
      baseline.subscribed.p99Ms,
    ),
    {
      metric: `${n} subscribers receiving: share of the rate with none`,
      service: share(service, service.subscribed),
      baseline: share(baseline, baseline.subscribed),
      target: '>= 0.8',
      met: share(service, service.subscribed) >= 0.8,
    },
  ];
  if (service.otherOrganization) {
    rows.push(
      {
        metric: `${n} subscribers of another organization: requests/s`,
        service: service.otherOrganization.requestsPerSecond,
      },
      {
        metric: `${n} subscribers of another organization: p99 (ms)`,
        service: service.otherOrganization.p99Ms,
      },
      {
        metric: `${n} subscribers of another organization: share of the rate with none`,
        service: share(service, service.otherOrganization),
        target: '>= 0.8',
        met: share(service, service.otherOrganization) >= 0.8,
      },
    );
  }
  const failures = [baseline, service].flatMap((r) => [r.none, r.subscribed, r.otherOrganization]);
  rows.push({
    metric: 'failed requests (non-2xx, errors, timeouts)',
    service: [service.none, service.subscribed, service.otherOrganization].reduce(
      (sum, r) => sum + (r?.failures ?? 0),
      0,
    ),
    baseline: [baseline.none, baseline.subscribed].reduce((sum, r) => sum + r.failures, 0),
    target: '0',
    met: failures.every((r) => !r || r.failures === 0),
  });
  return {
    scenario: `Write path: POST /memories, ${options.connections} connections, ${options.seconds} s each`,
    options,
    rows,
    details: { baseline, service },
  };
}

export function writeOptionsFromEnv(): WriteOptions {
  return {
    seconds: envNumber('BENCH_SECONDS', 10),
    connections: envNumber('BENCH_CONNECTIONS', 10),
    subscribers: envNumber('BENCH_SUBSCRIBERS', 1000),
  };
}

if (require.main === module) {
  runWrite(writeOptionsFromEnv()).then(
    (result) => publish('write', [result]),
    (error: unknown) => {
      process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
      process.exitCode = 1;
    },
  );
}
