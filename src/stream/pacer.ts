/** A token bucket: `perMinute` events a minute on average, bursts of about one second's worth. */
export class Pacer {
  private readonly capacity: number;
  private readonly perMs: number;
  private tokens: number;
  private refilledAt: number;

  constructor(perMinute: number, now: number) {
    this.perMs = perMinute / 60_000;
    this.capacity = Math.max(1, Math.ceil(perMinute / 60));
    this.tokens = this.capacity;
    this.refilledAt = now;
  }

  tryTake(now: number): boolean {
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.refilledAt) * this.perMs);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** How long `count` more events take to send at the paced rate. */
  millisecondsFor(count: number): number {
    return Math.ceil(count / this.perMs);
  }
}
