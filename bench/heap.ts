/**
 * Where an idle stream's heap goes, in the service and in the raw baseline: N idle streams, a heap
 * snapshot, N more streams, a second snapshot. The objects added in between, per stream, each
 * charged to its nearest owner on its shortest path from the roots (a socket, a request, a
 * connection...). Run: npm run bench:heap (BENCH_HEAP_STREAMS=1000). The snapshots (up to
 * ~100 MB each) go to temporary folders, removed at the end unless BENCH_KEEP_SNAPSHOTS=1 (to
 * open them in DevTools).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeapDiff, heapDiff, HeapShare } from './lib/heap-diff';
import { sleep } from './lib/proc';
import { compare, envNumber, publish, Row, ScenarioResult } from './lib/report';
import { Subscribers } from './lib/subscribers';
import { ROOT, startBaseline, startService, Target } from './lib/targets';

/** The objects a share of the heap is charged to, when one is on the path. */
const OWNERS = [
  'object:Socket',
  'object:TCP',
  'object:HTTPParser',
  'object:IncomingMessage',
  'object:ServerResponse',
  // The same, as src/common/express-adapter.ts builds them.
  'object:ExpressRequest',
  'object:ExpressResponse',
  'object:Timeout',
  'object:Pino',
  'object:StreamHub',
  'object:StreamConnection',
  'object:SseWriter',
  'object:NestSseSession',
  'object:Map',
  'object:Set',
];
const SNAPSHOT_TIMEOUT_MS = 120_000;
const HEARTBEAT_SECONDS = 5;

async function takeSnapshot(pid: number, dir: string, n: number): Promise<string> {
  const file = join(dir, `${n}.heapsnapshot`);
  process.kill(pid, 'SIGPWR');
  const deadline = Date.now() + SNAPSHOT_TIMEOUT_MS;
  while (!existsSync(file)) {
    if (Date.now() > deadline)
      throw new Error(`no heap snapshot ${file} after ${SNAPSHOT_TIMEOUT_MS} ms`);
    await sleep(200);
  }
  return file;
}

/** The heap diff of one server: N idle streams, a snapshot, N more, a second snapshot. */
async function heapOn(kind: 'baseline' | 'service', streams: number): Promise<HeapDiff> {
  const dir = mkdtempSync(join(tmpdir(), `mnemo-heap-${kind}-`));
  const nodeArgs = ['--expose-gc', '-r', join(ROOT, 'bench', 'lib', 'heap-snapshot-on-signal.cjs')];
  // Both servers read it from the environment they inherit.
  process.env.BENCH_SNAPSHOT_DIR = dir;
  const target: Target =
    kind === 'baseline'
      ? await startBaseline({ nodeArgs })
      : await startService({
          streams: 2 * streams,
          nodeArgs,
          organizationPerKey: true,
          env: { STREAM_HEARTBEAT_MIN_SECONDS: String(HEARTBEAT_SECONDS) },
        });
  const subscribers = await Subscribers.start();
  try {
    await subscribers.connect(target, streams, { heartbeatSeconds: HEARTBEAT_SECONDS });
    const before = await takeSnapshot(target.pid, dir, 1);
    await subscribers.connect(target, streams, {
      from: streams,
      heartbeatSeconds: HEARTBEAT_SECONDS,
    });
    const after = await takeSnapshot(target.pid, dir, 2);
    return heapDiff(before, after, OWNERS, streams);
  } finally {
    await subscribers.closeAll().catch(() => undefined);
    await subscribers.stop();
    await target.stop();
    if (process.env.BENCH_KEEP_SNAPSHOTS) process.stderr.write(`snapshots kept in ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

/** The service's request and response, under the names the baseline's have. */
const comparable = (label: string) =>
  label.replace('ExpressRequest', 'IncomingMessage').replace('ExpressResponse', 'ServerResponse');

/** One row per label: the service's bytes per stream beside the baseline's. */
function sideBySide(service: HeapShare[], baseline: HeapShare[], most: number): Row[] {
  const byLabel = new Map(baseline.map((share) => [comparable(share.label), share]));
  return service.slice(0, most).map((share) => {
    const raw = byLabel.get(comparable(share.label));
    return {
      metric: `${share.label} (${share.objects.toFixed(2)} objects)`,
      service: Math.round(share.bytes),
      baseline: raw && Math.round(raw.bytes),
      ratio: raw && raw.bytes > 0 ? share.bytes / raw.bytes : undefined,
    };
  });
}

export async function runHeap(streams: number): Promise<ScenarioResult[]> {
  const baseline = await heapOn('baseline', streams);
  const service = await heapOn('service', streams);
  const options = { streams };
  return [
    {
      scenario: `Heap per idle stream, bytes by nearest owner (${streams} → ${2 * streams} streams)`,
      options,
      rows: [
        compare('all objects added, per stream', service.totalBytes, baseline.totalBytes),
        ...sideBySide(service.byOwner, baseline.byOwner, 20),
      ],
      details: { service, baseline },
    },
    {
      scenario: 'Heap per idle stream, bytes by owner and path',
      options,
      rows: sideBySide(service.byPath, baseline.byPath, 40),
      details: {},
    },
  ];
}

if (require.main === module) {
  runHeap(envNumber('BENCH_HEAP_STREAMS', 1000)).then(
    (results) => publish('heap', results),
    (error: unknown) => {
      process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
      process.exitCode = 1;
    },
  );
}
