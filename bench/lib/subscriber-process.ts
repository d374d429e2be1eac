/**
 * The subscribers: a child process holding raw TCP sockets, each an SSE stream. The HTTP request
 * is written by hand and the response read with a minimal chunked decoder and frame scanner, so
 * the client costs far less per delivery than the servers it measures. Driven over IPC by
 * subscribers.ts; it exits when its parent goes.
 */
import { connect, Socket } from 'node:net';
import { monoUs } from './proc';
import type { ClientCommand, ClientReply, ConnectGroup, DeliveryReport } from './subscribers';

const HEAD = 0;
const SIZE = 1;
const BODY = 2;
const CRLF = 3;
const RAW = 4;
const DONE = 5;

const SEQ_KEY = '"bench_seq":';
const TIME_KEY = '"bench_t":';

/** Tracking of memory.created frames whose bench_seq is in [base, base + count). */
let base = 0;
let count = 0;
let latencies = new Float64Array(0);
let latencyCount = 0;
let duplicates = 0;
let outOfRange = 0;
let lastReceivedUs = 0;
let tracked = 0;

const streams: Stream[] = [];
const shared = Buffer.alloc(256 * 1024);
const errors: string[] = [];

function noteError(message: string): void {
  if (errors.length < 20) errors.push(message);
}

/** Reads a non-negative integer written in `text` at `at`. */
function integerAt(text: string, at: number): number {
  let value = 0;
  for (let i = at; i < text.length; i += 1) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
  }
  return value;
}

class Stream {
  private state = HEAD;
  private head = '';
  private sizeLine = '';
  private chunkLeft = 0;
  private crlfLeft = 0;
  private text = '';
  status = 0;
  open = false;
  closed = false;
  heartbeats = 0;
  frames = 0;
  seen = new Uint8Array(0);

  constructor(
    readonly socket: Socket,
    private readonly onOpen: (stream: Stream, error?: string) => void,
  ) {
    socket.on('error', (error) => this.fail(error.message));
    socket.on('close', () => {
      this.closed = true;
      this.fail('closed by the server');
    });
  }

  private fail(reason: string): void {
    if (!this.open) this.onOpen(this, reason);
  }

  /** Takes bytes 0..length of `data`, a buffer shared by every socket and reused after this call. */
  read(data: Buffer, length: number): void {
    const now = monoUs();
    let i = 0;
    if (this.state === HEAD) {
      this.head += data.toString('latin1', 0, length);
      const end = this.head.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.status = integerAt(this.head, this.head.indexOf(' ') + 1);
      const chunked = /\r\ntransfer-encoding:\s*chunked/i.test(this.head.slice(0, end));
      i = length - (this.head.length - end - 4);
      this.head = '';
      this.state = chunked ? SIZE : RAW;
      if (this.status !== 200) {
        this.onOpen(this, `status ${this.status}: ${data.toString('utf8', i, length)}`);
        this.socket.destroy();
        return;
      }
    }
    while (i < length) {
      if (this.state === SIZE) {
        const newline = data.indexOf(10, i);
        if (newline < 0 || newline >= length) {
          this.sizeLine += data.toString('latin1', i, length);
          break;
        }
        const size = parseInt(this.sizeLine + data.toString('latin1', i, newline), 16);
        this.sizeLine = '';
        i = newline + 1;
        this.chunkLeft = size;
        this.state = size === 0 ? DONE : BODY;
      } else if (this.state === BODY) {
        const end = Math.min(length, i + this.chunkLeft);
        this.scan(data.toString('latin1', i, end), now);
        this.chunkLeft -= end - i;
        i = end;
        if (this.chunkLeft === 0) {
          this.state = CRLF;
          this.crlfLeft = 2;
        }
      } else if (this.state === CRLF) {
        const skip = Math.min(this.crlfLeft, length - i);
        i += skip;
        this.crlfLeft -= skip;
        if (this.crlfLeft === 0) this.state = SIZE;
      } else if (this.state === RAW) {
        this.scan(data.toString('latin1', i, length), now);
        break;
      } else {
        break;
      }
    }
  }

  /** Splits SSE text into frames at blank lines. */
  private scan(chunk: string, now: number): void {
    const text = this.text.length > 0 ? this.text + chunk : chunk;
    let start = 0;
    let end: number;
    while ((end = text.indexOf('\n\n', start)) >= 0) {
      this.frame(text, start, end, now);
      start = end + 2;
    }
    this.text = start < text.length ? text.slice(start) : '';
  }

  private frame(text: string, start: number, end: number, now: number): void {
    if (text.startsWith('event: memory.created', start)) {
      this.frames += 1;
      const seqAt = text.indexOf(SEQ_KEY, start);
      const timeAt = text.indexOf(TIME_KEY, start);
      if (seqAt < 0 || seqAt > end || timeAt < 0 || timeAt > end) return;
      const index = integerAt(text, seqAt + SEQ_KEY.length) - base;
      if (index < 0 || index >= count) {
        outOfRange += 1;
        return;
      }
      if (this.seen[index]) {
        duplicates += 1;
        return;
      }
      this.seen[index] = 1;
      latencies[latencyCount++] = now - integerAt(text, timeAt + TIME_KEY.length);
      lastReceivedUs = now;
    } else if (text.startsWith('event: heartbeat', start)) {
      this.heartbeats += 1;
      if (!this.open) {
        this.open = true;
        this.onOpen(this);
      }
    } else if (text.startsWith('event: error', start)) {
      noteError(text.slice(start, end));
    }
  }
}

/** Opens the streams, at most `concurrency` handshakes at a time; resolves when each is open or failed. */
function connectAll(port: number, groups: ConnectGroup[], concurrency: number, timeoutMs: number) {
  const started = monoUs();
  const requests = groups.flatMap((group) => Array<string>(group.count).fill(group.request));
  let next = 0;
  let settled = 0;
  let failed = 0;
  return new Promise<ClientReply>((resolve) => {
    const finish = () =>
      resolve({
        type: 'connected',
        opened: requests.length - failed,
        failed,
        ms: (monoUs() - started) / 1000,
      });
    const timer = setTimeout(() => {
      failed += requests.length - settled;
      noteError(`connect timed out after ${timeoutMs} ms`);
      finish();
    }, timeoutMs);
    const launch = () => {
      if (next >= requests.length) return;
      const request = requests[next++];
      let stream: Stream | undefined = undefined;
      // onread hands each read to the callback in one shared buffer, without Node's stream machinery.
      const socket = connect({
        host: '127.0.0.1',
        port,
        noDelay: true,
        onread: {
          buffer: shared,
          callback: (length) => {
            stream?.read(shared, length);
            return true;
          },
        },
      });
      socket.once('connect', () => socket.write(request));
      let done = false;
      stream = new Stream(socket, (_stream, error) => {
        if (done) return;
        done = true;
        if (error) {
          failed += 1;
          noteError(error);
        }
        settled += 1;
        if (settled === requests.length) {
          clearTimeout(timer);
          finish();
        } else launch();
      });
      streams.push(stream);
    };
    if (requests.length === 0) {
      clearTimeout(timer);
      finish();
    }
    for (let i = 0; i < Math.min(concurrency, requests.length); i += 1) launch();
  });
}

function report(): DeliveryReport {
  const sorted = latencies.subarray(0, latencyCount).sort();
  const at = (q: number) =>
    sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0;
  return {
    received: latencyCount,
    expected: tracked * count,
    duplicates,
    outOfRange,
    frames: streams.reduce((sum, s) => sum + s.frames, 0),
    p50Us: at(0.5),
    p99Us: at(0.99),
    maxUs: sorted.length ? sorted[sorted.length - 1] : 0,
    lastReceivedUs,
  };
}

async function handle(command: ClientCommand): Promise<ClientReply> {
  switch (command.type) {
    case 'connect':
      return connectAll(command.port, command.groups, command.concurrency, command.timeoutMs);
    case 'track':
      base = command.base;
      count = command.count;
      latencies = new Float64Array(streams.length * count);
      latencyCount = duplicates = outOfRange = lastReceivedUs = 0;
      tracked = streams.filter((s) => s.open && !s.closed).length;
      for (const stream of streams) {
        stream.seen = new Uint8Array(count);
        stream.frames = 0;
      }
      return { type: 'ok' };
    case 'progress':
      return { type: 'progress', received: latencyCount, expected: tracked * count };
    case 'report':
      return { type: 'report', report: report() };
    case 'mark-heartbeats':
      for (const stream of streams) stream.heartbeats = 0;
      return { type: 'ok' };
    case 'heartbeats': {
      const live = streams.filter((s) => s.open && !s.closed);
      return {
        type: 'heartbeats',
        live: live.length,
        withHeartbeat: live.filter((s) => s.heartbeats > 0).length,
      };
    }
    case 'errors':
      return { type: 'errors', errors };
    case 'close':
      for (const stream of streams) stream.socket.destroy();
      streams.length = 0;
      return { type: 'ok' };
  }
}

process.on('message', (message: { id: number; command: ClientCommand }) => {
  void handle(message.command).then((reply) => process.send?.({ id: message.id, reply }));
});
process.on('disconnect', () => process.exit(0));
