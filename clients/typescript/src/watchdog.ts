import type { Clock } from './clock';

/**
 * Calls `onSilence` when `kick()` has not been called for `timeoutMs`. One timer, rescheduled only
 * when it fires early, so kicking on every chunk costs a clock read.
 */
export class Watchdog {
  private timer?: unknown;
  private lastKick = 0;

  constructor(
    private timeoutMs: number,
    private readonly onSilence: () => void,
    private readonly clock: Clock,
  ) {}

  /** How long silence may last from now on (the server says so in its heartbeats). */
  setTimeoutMs(timeoutMs: number): void {
    if (timeoutMs === this.timeoutMs) return;
    this.timeoutMs = timeoutMs;
    if (this.timer === undefined) return;
    // The running timer may be due after the new limit: check again against it.
    this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => this.check(), this.remainingMs());
  }

  /** Starts watching, or notes activity while watching. */
  kick(): void {
    this.lastKick = this.clock.now();
    this.timer ??= this.clock.setTimeout(() => this.check(), this.timeoutMs);
  }

  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private remainingMs(): number {
    return Math.max(0, this.timeoutMs - (this.clock.now() - this.lastKick));
  }

  private check(): void {
    const remaining = this.remainingMs();
    if (remaining === 0) {
      this.timer = undefined;
      this.onSilence();
    } else {
      this.timer = this.clock.setTimeout(() => this.check(), remaining);
    }
  }
}
