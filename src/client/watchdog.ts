/**
 * Calls `onSilence` when `kick()` has not been called for `timeoutMs`. One timer, rescheduled only
 * when it fires early, so kicking on every chunk costs a clock read.
 */
export class Watchdog {
  private timer?: ReturnType<typeof setTimeout>;
  private lastKick = 0;

  constructor(
    private readonly timeoutMs: number,
    private readonly onSilence: () => void,
  ) {}

  /** Starts watching, or notes activity while watching. */
  kick(): void {
    this.lastKick = Date.now();
    this.timer ??= setTimeout(() => this.check(), this.timeoutMs);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    const quietFor = Date.now() - this.lastKick;
    if (quietFor >= this.timeoutMs) {
      this.timer = undefined;
      this.onSilence();
    } else {
      this.timer = setTimeout(() => this.check(), this.timeoutMs - quietFor);
    }
  }
}
