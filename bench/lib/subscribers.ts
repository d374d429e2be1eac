import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { cpuSeconds, sleep } from './proc';
import { Target } from './targets';

/** Streams that share one raw HTTP request (same path and headers). */
export interface ConnectGroup {
  request: string;
  count: number;
}

export type ClientCommand =
  | {
      type: 'connect';
      port: number;
      groups: ConnectGroup[];
      concurrency: number;
      timeoutMs: number;
    }
  | { type: 'track'; base: number; count: number }
  | { type: 'progress' }
  | { type: 'report' }
  | { type: 'mark-heartbeats' }
  | { type: 'heartbeats' }
  | { type: 'errors' }
  | { type: 'close' };

/** What the subscribers received of the tracked memories; times on the monotonic clock (us). */
export interface DeliveryReport {
  received: number;
  expected: number;
  duplicates: number;
  outOfRange: number;
  frames: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
  lastReceivedUs: number;
}

export type ClientReply =
  | { type: 'ok' }
  | { type: 'connected'; opened: number; failed: number; ms: number }
  | { type: 'progress'; received: number; expected: number }
  | { type: 'report'; report: DeliveryReport }
  | { type: 'heartbeats'; live: number; withHeartbeat: number }
  | { type: 'errors'; errors: string[] };

const CONNECT_CONCURRENCY = 200;
const REPLY_TIMEOUT_MS = 120_000;

function rawRequest(target: Target, index: number, heartbeatSeconds: number): string {
  const { path, headers } = target.stream(index, heartbeatSeconds);
  const lines = [
    `GET ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${target.port}`,
    'Accept: text/event-stream',
  ];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** The subscriber process, seen from the harness. */
export class Subscribers {
  private nextId = 0;
  private readonly pending = new Map<number, (reply: ClientReply) => void>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: { id: number; reply: ClientReply }) => {
      this.pending.get(message.id)?.(message.reply);
      this.pending.delete(message.id);
    });
  }

  static async start(): Promise<Subscribers> {
    const child = fork(join(__dirname, 'subscriber-process.ts'), [], {
      execArgv: ['-r', '@swc-node/register'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    const subscribers = new Subscribers(child);
    await subscribers.send({ type: 'errors' }); // answers once the module has loaded
    return subscribers;
  }

  get pid(): number {
    return this.child.pid!;
  }

  cpuSeconds(): number {
    return cpuSeconds(this.pid);
  }

  private send(command: ClientCommand): Promise<ClientReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`subscriber process did not answer ${command.type}`));
      }, REPLY_TIMEOUT_MS);
      this.pending.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.child.send({ id, command });
    });
  }

  /**
   * Opens streams `from`..`from + count - 1` of a target (the index picks the key) and resolves
   * when every one has received its first heartbeat, or failed.
   */
  async connect(
    target: Target,
    count: number,
    options: { from?: number; heartbeatSeconds?: number } = {},
  ): Promise<{ opened: number; failed: number; ms: number; errors: string[] }> {
    const from = options.from ?? 0;
    const heartbeat = options.heartbeatSeconds ?? 30;
    const groups: ConnectGroup[] = [];
    for (let i = from; i < from + count; i += 1) {
      const request = rawRequest(target, i, heartbeat);
      const last = groups[groups.length - 1];
      if (last?.request === request) last.count += 1;
      else groups.push({ request, count: 1 });
    }
    const reply = await this.send({
      type: 'connect',
      port: target.port,
      groups,
      concurrency: CONNECT_CONCURRENCY,
      timeoutMs: 30_000 + count * 10,
    });
    if (reply.type !== 'connected') throw new Error(`unexpected reply ${reply.type}`);
    const { errors } = (await this.send({ type: 'errors' })) as { errors: string[] };
    return { opened: reply.opened, failed: reply.failed, ms: reply.ms, errors };
  }

  /** Counts memory.created frames whose metadata.bench_seq is in [base, base + count) from now on. */
  async track(base: number, count: number): Promise<void> {
    await this.send({ type: 'track', base, count });
  }

  async report(): Promise<DeliveryReport> {
    return ((await this.send({ type: 'report' })) as { report: DeliveryReport }).report;
  }

  /**
   * Waits until every tracked delivery arrived, or nothing new came for `quietMs`, or `maxMs`
   * passed; then reports.
   */
  async settle(quietMs = 3000, maxMs = 120_000): Promise<DeliveryReport> {
    const deadline = Date.now() + maxMs;
    let lastProgress = Date.now();
    let received = -1;
    for (;;) {
      const progress = (await this.send({ type: 'progress' })) as {
        received: number;
        expected: number;
      };
      if (progress.received > received) lastProgress = Date.now();
      received = progress.received;
      if (received >= progress.expected) break;
      if (Date.now() > deadline || Date.now() - lastProgress > quietMs) break;
      await sleep(20);
    }
    return this.report();
  }

  async markHeartbeats(): Promise<void> {
    await this.send({ type: 'mark-heartbeats' });
  }

  /** Open streams, and how many of them received a heartbeat since the mark. */
  async heartbeats(): Promise<{ live: number; withHeartbeat: number }> {
    const reply = (await this.send({ type: 'heartbeats' })) as {
      live: number;
      withHeartbeat: number;
    };
    return { live: reply.live, withHeartbeat: reply.withHeartbeat };
  }

  async errors(): Promise<string[]> {
    return ((await this.send({ type: 'errors' })) as { errors: string[] }).errors;
  }

  /** Closes every stream (the client leaves). */
  async closeAll(): Promise<void> {
    await this.send({ type: 'close' });
  }

  /** Disconnects (the process exits by itself), or kills it after 5 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      this.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.child.disconnect();
    });
  }
}
