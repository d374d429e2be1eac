/** One-second buckets, covering the current second and the sixty before it. */
const BUCKETS = 61;

/**
 * At most `perMinute` events in any 60-second window; below that, no delay. Events are counted per
 * second in a ring of 61 buckets: an event is sent only while the last 61 seconds (which contain
 * any 60-second window ending now) hold fewer than `perMinute`. Exact in the direction that
 * matters, never more, and 61 counters per connection whatever the rate.
 */
export class Pacer {
  /** Made at the first event: most streams stay idle, and this is most of what a Pacer weighs. */
  private counts?: Uint32Array;
  private total = 0;
  private second: number;

  constructor(
    private readonly perMinute: number,
    now: number,
  ) {
    this.second = Math.floor(now / 1000);
  }

  tryTake(now: number): boolean {
    this.advance(now);
    if (this.total >= this.perMinute) return false;
    this.counts ??= new Uint32Array(BUCKETS);
    this.counts[this.second % BUCKETS] += 1;
    this.total += 1;
    return true;
  }

  /** How long until `count` more events may be sent, from `now`. */
  millisecondsFor(count: number, now: number): number {
    this.advance(now);
    let needed = this.total + count - this.perMinute;
    if (needed <= 0) return 0;
    // The oldest buckets leave the ring first: wait until enough of them have.
    for (let age = BUCKETS - 1; age >= 0; age -= 1) {
      needed -= this.counts?.[(this.second - age + BUCKETS * 2) % BUCKETS] ?? 0;
      if (needed <= 0) return (this.second - age + BUCKETS) * 1000 - now;
    }
    return BUCKETS * 1000;
  }

  private advance(now: number): void {
    const second = Math.floor(now / 1000);
    if (this.counts) {
      const steps = Math.min(second - this.second, BUCKETS);
      for (let step = 1; step <= steps; step += 1) {
        const bucket = (this.second + step) % BUCKETS;
        this.total -= this.counts[bucket];
        this.counts[bucket] = 0;
      }
    }
    if (second > this.second) this.second = second;
  }
}
