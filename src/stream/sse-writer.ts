import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { SseFrame } from './sse-frame';

/** How long an ended stream may take to flush its last bytes. */
const CLOSE_GRACE_MS = 5000;

/** Told when the socket stops draining and when it drains again. */
export interface BackpressureListener {
  backpressure(backedUp: boolean): void;
}

/**
 * Writes pre-encoded frames straight to one SSE response whose headers are out.
 *
 * Frames bypass Nest's per-message pipeline, which costs 2.3x raw node:http per delivery
 * (NESTJS-SSE-FACTS.md). Once the headers are on the wire, frames go to the socket itself, already framed as HTTP chunks:
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
    private readonly listener: BackpressureListener,
  ) {
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
      this.listener.backpressure(true);
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
    this.listener.backpressure(false);
  };

  /** For a reader that does not read: drop the socket rather than hold its backlog. */
  destroy(): void {
    this.closed = true;
    this.response.destroy();
  }
}
