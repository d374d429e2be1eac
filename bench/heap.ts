/**
 * Where an idle stream's heap goes: the service with N idle streams, a heap snapshot, N more
 * streams, a second snapshot. The objects added in between, per stream, each charged to its
 * nearest owner on its shortest path from the roots (a socket, a request, a connection...).
 * Run: npm run bench:heap (BENCH_HEAP_STREAMS=1000). Writes two snapshots of ~100 MB to a
 * temporary folder, removed at the end (BENCH_KEEP_SNAPSHOTS=1 keeps them for DevTools).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { heapDiff, HeapShare } from './lib/heap-diff';
import { sleep } from './lib/proc';
import { envNumber, publish, Row, ScenarioResult } from './lib/report';
import { Subscribers } from './lib/subscribers';
import { ROOT, startService } from './lib/targets';

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

const rows = (shares: HeapShare[], most: number): Row[] =>
  shares.slice(0, most).map((share) => ({
    metric: `${share.label} (${share.objects.toFixed(2)} objects)`,
    service: Math.round(share.bytes),
  }));

export async function runHeap(streams: number): Promise<ScenarioResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-heap-'));
  const target = await startService({
    streams: 2 * streams,
    nodeArgs: ['--expose-gc', '-r', join(ROOT, 'bench', 'lib', 'heap-snapshot-on-signal.cjs')],
    organizationPerKey: true,
    env: { STREAM_HEARTBEAT_MIN_SECONDS: String(HEARTBEAT_SECONDS), BENCH_SNAPSHOT_DIR: dir },
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
    const diff = heapDiff(before, after, OWNERS, streams);
    const options = { streams, snapshots: process.env.BENCH_KEEP_SNAPSHOTS ? dir : undefined };
    return [
      {
        scenario: `Heap per idle stream, bytes by nearest owner (${streams} → ${2 * streams} streams; all: ${Math.round(diff.totalBytes)} bytes)`,
        options,
        rows: rows(diff.byOwner, 20),
        details: diff,
      },
      {
        scenario: 'Heap per idle stream, bytes by owner and path',
        options,
        rows: rows(diff.byPath, 40),
        details: {},
      },
    ];
  } finally {
    await subscribers.closeAll().catch(() => undefined);
    await subscribers.stop();
    await target.stop();
    if (!process.env.BENCH_KEEP_SNAPSHOTS) rmSync(dir, { recursive: true, force: true });
  }
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
