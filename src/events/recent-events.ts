import { DomainEvent } from './event-map';

export interface WindowBounds {
  count: number;
  seconds: number;
  bytes: number;
}

/**
 * The newest events of the log, in order, kept in memory so that a client resuming after a short
 * break is answered without a database read. Bounded by count, age and the bytes of their data.
 */
export class RecentEvents {
  private events: DomainEvent[] = [];
  private start = 0;
  private held = 0;

  constructor(
    private readonly bounds: WindowBounds,
    private readonly now: () => number = Date.now,
  ) {}

  /** Bytes of event data held. */
  get bytes(): number {
    return this.held;
  }

  /** Appends the next event of the log (positions must follow one another). */
  add(event: DomainEvent): void {
    const last = this.events[this.events.length - 1];
    if (last && event.position !== last.position + 1) this.clear();
    this.events.push(event);
    this.held += event.size;
    this.evict();
  }

  /**
   * The held events after `position`, or null when the window does not reach back that far (the
   * log must be read instead).
   */
  after(position: number): DomainEvent[] | null {
    this.evict();
    const first = this.events[this.start];
    if (!first || position < first.position - 1) return null;
    return this.events.slice(this.start + Math.max(0, position - first.position + 1));
  }

  private evict(): void {
    const cutoff = this.now() - this.bounds.seconds * 1000;
    while (
      this.start < this.events.length &&
      (this.events.length - this.start > this.bounds.count ||
        this.held > this.bounds.bytes ||
        this.events[this.start].publishedAt < cutoff)
    ) {
      this.held -= this.events[this.start].size;
      this.start += 1;
    }
    // Drop the evicted prefix once it is as long as what is kept: amortized O(1) per event.
    if (this.start > 0 && this.start * 2 >= this.events.length) {
      this.events = this.events.slice(this.start);
      this.start = 0;
    }
  }

  private clear(): void {
    this.events = [];
    this.start = 0;
    this.held = 0;
  }
}
