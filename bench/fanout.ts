/**
 * Fan-out: N subscribers of one organization receive M memories created through the REST API,
 * first one request at a time, then at a fixed rate. Run: npm run bench:fanout
 * (BENCH_SUBSCRIBERS, BENCH_MEMORIES, BENCH_RATE, BENCH_WARMUP, BENCH_CREATE_WARMUP, BENCH_RUNS;
 * BENCH_CPU_PROF=1 profiles both servers).
 */
import { Agent } from 'node:http';
import { join } from 'node:path';
import { benchMemory, postJson } from './lib/http';
import { cpuSeconds, cpuTimes, monoUs, sleep, untilQuiet, writeSyscalls } from './lib/proc';
import { combineRuns, compare, envNumber, publish, Row, ScenarioResult } from './lib/report';
import { Subscribers } from './lib/subscribers';
import { ROOT, startBaseline, startService, Target } from './lib/targets';

export interface FanoutOptions {
  subscribers: number;
  memories: number;
  /** Creates per second in the fixed-rate phase. */
  rate: number;
  /** Creates before measuring, so both servers are warm. */
  warmup: number;
  /**
   * Creates before the subscribers connect. V8 optimizes the service's create path only after a
   * few hundred requests (the first 600 or so cost about twice what later ones do), and a
   * long-running server is measured, not its first minute.
   */
  createWarmup: number;
  /** Repeats of the whole scenario: the machine is shared, and one run can be off by 20%. */
  runs: number;
  /** Run the service from src/ (no build), as the smoke test does. */
  fromSource?: boolean;
  cpuProfileDir?: string;
}

export interface PhaseResult {
  memories: number;
  failedCreates: number;
  deliveries: number;
  expected: number;
  lost: number;
  duplicates: number;
  seconds: number;
  deliveriesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  serverCpuSeconds: number;
  serverCpuPer100k: number;
  /** The kernel's share of the server's CPU (system / (user + system)). */
  serverSystemShare: number;
  serverWritesPerDelivery: number;
  clientCpuPer100k: number;
  clientSystemShare: number;
}

export interface TargetFanout {
  connected: number;
  connectFailed: number;
  connectMs: number;
  sequential: PhaseResult;
  rate: PhaseResult;
  /** Server CPU of one create request once the subscribers are gone (ms). */
  createCpuMs: number;
  errors: string[];
}

/** The first sequence number of the memories created before the subscribers connect. */
const WARMUP_SEQ = 1_000_000_000;

/** Heartbeats stay out of the way: 300 s is the longest the service allows. */
const HEARTBEAT_SECONDS = 300;

async function createMemories(
  target: Target,
  agent: Agent,
  first: number,
  count: number,
  rate?: number,
): Promise<number> {
  let failed = 0;
  const create = async (seq: number) => {
    const answer = await postJson(target, target.createPath, benchMemory(seq), agent).catch(() => ({
      status: 0,
    }));
    if (answer.status !== 201) failed += 1;
  };
  if (rate === undefined) {
    for (let i = 0; i < count; i += 1) await create(first + i);
    return failed;
  }
  // Open loop: each request leaves at its scheduled time, whether or not earlier ones answered.
  const start = monoUs();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < count; i += 1) {
    const wait = start + (i * 1e6) / rate - monoUs();
    if (wait > 0) await sleep(wait / 1000);
    pending.push(create(first + i));
  }
  await Promise.all(pending);
  return failed;
}

async function phase(
  target: Target,
  subscribers: Subscribers,
  agent: Agent,
  first: number,
  count: number,
  rate?: number,
): Promise<PhaseResult> {
  await subscribers.track(first, count);
  const server0 = cpuTimes(target.pid);
  const writes0 = writeSyscalls(target.pid);
  const client0 = cpuTimes(subscribers.pid);
  const start = monoUs();
  const failedCreates = await createMemories(target, agent, first, count, rate);
  const report = await subscribers.settle();
  const server1 = cpuTimes(target.pid);
  const client1 = cpuTimes(subscribers.pid);
  const serverCpu = server1.user + server1.system - server0.user - server0.system;
  const clientCpu = client1.user + client1.system - client0.user - client0.system;
  const seconds = Math.max(1e-6, (report.lastReceivedUs - start) / 1e6);
  const per100k = (cpu: number) => (report.received > 0 ? (cpu / report.received) * 1e5 : NaN);
  return {
    memories: count,
    failedCreates,
    deliveries: report.received,
    expected: report.expected,
    lost: report.expected - report.received,
    duplicates: report.duplicates,
    seconds,
    deliveriesPerSecond: report.received / seconds,
    p50Ms: report.p50Us / 1000,
    p99Ms: report.p99Us / 1000,
    maxMs: report.maxUs / 1000,
    serverCpuSeconds: serverCpu,
    serverCpuPer100k: per100k(serverCpu),
    serverSystemShare: (server1.system - server0.system) / serverCpu,
    serverWritesPerDelivery: (writeSyscalls(target.pid) - writes0) / report.received,
    clientCpuPer100k: per100k(clientCpu),
    clientSystemShare: (client1.system - client0.system) / clientCpu,
  };
}

/** The whole fan-out against one server, started and stopped here. */
export async function fanoutOn(
  kind: 'baseline' | 'service',
  options: FanoutOptions,
): Promise<TargetFanout> {
  const profile = options.cpuProfileDir ? join(options.cpuProfileDir, kind) : undefined;
  const target =
    kind === 'baseline'
      ? await startBaseline({ cpuProfileDir: profile })
      : await startService({
          streams: options.subscribers,
          fromSource: options.fromSource,
          cpuProfileDir: profile,
        });
  const subscribers = await Subscribers.start();
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  try {
    // Numbered after every measured memory, so no subscriber waits for them.
    await createMemories(target, agent, WARMUP_SEQ, options.createWarmup);
    const connect = await subscribers.connect(target, options.subscribers, {
      heartbeatSeconds: HEARTBEAT_SECONDS,
    });
    if (connect.failed > 0) {
      throw new Error(`${kind}: ${connect.failed} streams failed to open: ${connect.errors[0]}`);
    }
    const { warmup, memories } = options;
    await phase(target, subscribers, agent, 0, warmup);
    const sequential = await phase(target, subscribers, agent, warmup, memories);
    const rate = await phase(target, subscribers, agent, warmup + memories, memories, options.rate);
    const errors = await subscribers.errors();
    // What the same creates cost with nobody listening, to tell the fan-out from the write path.
    await subscribers.closeAll();
    await untilQuiet(target.pid);
    const cpu0 = cpuSeconds(target.pid);
    await createMemories(target, agent, warmup + 2 * memories, memories);
    const createCpuMs = ((cpuSeconds(target.pid) - cpu0) * 1000) / memories;
    return {
      connected: connect.opened,
      connectFailed: connect.failed,
      connectMs: connect.ms,
      sequential,
      rate,
      createCpuMs,
      errors,
    };
  } finally {
    agent.destroy();
    await subscribers.closeAll().catch(() => undefined);
    await subscribers.stop();
    await target.stop();
  }
}

/** Server CPU per 100k deliveries without the create requests' own cost. */
function netPer100k(phase: PhaseResult, createCpuMs: number): number {
  return (
    ((phase.serverCpuSeconds - (phase.memories * createCpuMs) / 1000) / phase.deliveries) * 1e5
  );
}

function phaseRows(
  label: string,
  pick: (r: TargetFanout) => PhaseResult,
  s: TargetFanout,
  b: TargetFanout,
): Row[] {
  const service = pick(s);
  const baseline = pick(b);
  return [
    compare(`${label}: deliveries/s`, service.deliveriesPerSecond, baseline.deliveriesPerSecond),
    compare(`${label}: latency p50 (ms)`, service.p50Ms, baseline.p50Ms),
    compare(`${label}: latency p99 (ms)`, service.p99Ms, baseline.p99Ms, { max: 1.2 }),
    compare(`${label}: latency max (ms)`, service.maxMs, baseline.maxMs),
    {
      metric: `${label}: events lost`,
      service: service.lost,
      baseline: baseline.lost,
      target: '0',
      met: service.lost === 0,
      mustBeZero: true,
    },
    compare(
      `${label}: server CPU s per 100k deliveries`,
      service.serverCpuPer100k,
      baseline.serverCpuPer100k,
      { max: 1.1 },
    ),
    compare(
      `${label}: server CPU s per 100k deliveries, net of the creates`,
      netPer100k(service, s.createCpuMs),
      netPer100k(baseline, b.createCpuMs),
    ),
    compare(
      `${label}: client CPU s per 100k deliveries`,
      service.clientCpuPer100k,
      baseline.clientCpuPer100k,
    ),
  ];
}

function runRows(service: TargetFanout, baseline: TargetFanout, rate: number): Row[] {
  return [
    compare('connect all streams (ms)', service.connectMs, baseline.connectMs),
    compare(
      'server CPU per create, no subscribers (ms)',
      service.createCpuMs,
      baseline.createCpuMs,
    ),
    ...phaseRows('one at a time', (r) => r.sequential, service, baseline),
    ...phaseRows(`${rate}/s`, (r) => r.rate, service, baseline),
  ];
}

export interface FanoutRun {
  baseline: TargetFanout;
  service: TargetFanout;
}

/** Runs the baseline and then the service, `runs` times; the table gives each figure's median. */
export async function runFanout(
  options: FanoutOptions,
): Promise<ScenarioResult & { details: { runs: FanoutRun[] } }> {
  const runs: FanoutRun[] = [];
  for (let i = 0; i < options.runs; i += 1) {
    const baseline = await fanoutOn('baseline', options);
    const service = await fanoutOn('service', options);
    runs.push({ baseline, service });
  }
  const repeated = options.runs > 1 ? `, median of ${options.runs} runs` : '';
  return {
    scenario: `Fan-out: ${options.subscribers} subscribers, ${options.memories} memories one at a time then ${options.rate}/s${repeated}`,
    options,
    rows: combineRuns(runs.map((run) => runRows(run.service, run.baseline, options.rate))),
    details: { runs },
  };
}

export function fanoutOptionsFromEnv(): FanoutOptions {
  return {
    subscribers: envNumber('BENCH_SUBSCRIBERS', 1000),
    memories: envNumber('BENCH_MEMORIES', 200),
    rate: envNumber('BENCH_RATE', 50),
    warmup: envNumber('BENCH_WARMUP', 50),
    createWarmup: envNumber('BENCH_CREATE_WARMUP', 2000),
    runs: envNumber('BENCH_RUNS', 3),
    cpuProfileDir: process.env.BENCH_CPU_PROF
      ? join(ROOT, 'bench', 'results', 'profiles')
      : undefined,
  };
}

if (require.main === module) {
  runFanout(fanoutOptionsFromEnv()).then(
    (result) => publish('fanout', [result]),
    (error: unknown) => {
      process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
      process.exitCode = 1;
    },
  );
}
