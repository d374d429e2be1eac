import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { SseFrame } from './sse-frame';

/**
 * The contract's exact caching header (Nest's own is longer), and no keep-alive: a stream is never
 * followed by another request on its connection, and an idle kept-alive socket would hold up a
 * shutdown until its timeout.
 */
const HEADERS = { 'Cache-Control': 'no-cache, no-transform', Connection: 'close' };

/** How long an ended stream may take to flush its last bytes. */
const CLOSE_GRACE_MS = 5000;

/**
 * Writes pre-encoded frames straight to one SSE response.
 *
 * Nest's @Sse owns the route: the status, the moment the headers go out (after guards and pipes
 * have run) and the cleanup when the client leaves. Frames bypass its per-message pipeline, which
 * costs 2.3x raw node:http per delivery (NESTJS-SSE-FACTS.md). Three details of Nest's are adjusted on
 * this response only: its Cache-Control and Connection headers, and the lone "\n" it writes after the headers (the first
 * bytes must be the `retry:` line). That write is also how we learn the stream is open.
 *
 * Once the headers are on the wire, frames go to the socket itself, already framed as HTTP chunks:
 * Express gives every response its own prototype, so each `response.write` missed V8's inline
 * caches and cost more than the socket write (BENCHMARKS.md).
 */
export class SseWriter {
  private closed = false;
  private needsDrainSince: number | null = null;
  /** Set once the headers have gone out and nothing of the response's own is left to send. */
  private socket: Socket | null = null;
  private chunked = false;

  constructor(
    private readonly response: ServerResponse,
    onOpen: () => void,
    /** Told when the socket stops draining and when it drains again. */
    private readonly onBackpressure: (backedUp: boolean) => void,
  ) {
    const writeHead = response.writeHead;
    const write = response.write;
    response.writeHead = ((status: number, headers?: OutgoingHttpHeaders) => {
      response.writeHead = writeHead;
      return writeHead.call(response, status, { ...headers, ...HEADERS });
    }) as ServerResponse['writeHead'];
    response.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (chunk !== '\n')
        return (write as (...args: unknown[]) => boolean).call(response, chunk, ...rest);
      response.write = write;
      onOpen();
      return true;
    }) as ServerResponse['write'];
    response.on('drain', this.drained);
  }

  /** Writes unless closed; notes when the socket stops draining. */
  write(frame: SseFrame, now: number): void {
    if (this.closed) return;
    const accepted = this.socket
      ? this.socket.write(this.chunked ? frame.chunk : frame.bytes)
      : this.writeThroughResponse(frame.bytes);
    if (!accepted && this.needsDrainSince === null) {
      this.needsDrainSince = now;
      this.onBackpressure(true);
    }
  }

  /** Bytes accepted but not yet handed to the kernel. */
  get bufferedBytes(): number {
    return this.socket ? this.socket.writableLength : this.response.writableLength;
  }

  /** The socket has not drained since a write filled it: hold further frames back. */
  get backedUp(): boolean {
    return this.needsDrainSince !== null;
  }

  stalledFor(now: number): number {
    return this.needsDrainSince === null ? 0 : now - this.needsDrainSince;
  }

  /**
   * Nothing is written after this. The response then ends; if a client that stopped reading keeps
   * it from finishing, the socket is dropped after a grace period rather than held.
   */
  close(): void {
    this.closed = true;
    if (this.response.closed) return;
    const drop = setTimeout(() => this.response.destroy(), CLOSE_GRACE_MS).unref();
    this.response.once('close', () => clearTimeout(drop));
  }

  /**
   * The first write sends the headers. After it, the socket is used directly when the response
   * holds nothing unsent (the socket is its own, not one still busy with an earlier request).
   */
  private writeThroughResponse(bytes: Buffer): boolean {
    const accepted = this.response.write(bytes);
    const socket = this.response.socket;
    if (
      socket &&
      this.response.headersSent &&
      this.response.writableLength === socket.writableLength
    ) {
      this.socket = socket;
      this.chunked = this.response.chunkedEncoding;
      socket.on('drain', this.drained);
    }
    return accepted;
  }

  private readonly drained = (): void => {
    if (this.needsDrainSince === null) return;
    this.needsDrainSince = null;
    this.onBackpressure(false);
  };

  /** For a reader that does not read: drop the socket rather than hold its backlog. */
  destroy(): void {
    this.closed = true;
    this.response.destroy();
  }
}
