import { formatEventId, parseResumeId } from './event-id';
import { DomainEvent, EventInput } from './event-map';

export interface Retention {
  count: number;
  seconds: number;
}

export type ResetReason = 'unknown' | 'expired';

/** What a resuming connection gets: the retained events after its position, or why it cannot. */
export type Replay =
  | { events: DomainEvent[]; position: string; reset?: undefined }
  | {
      events: DomainEvent[];
      position: string;
      reset: { reason: ResetReason; oldest_id: string | null };
    };

/**
 * A bounded, ordered in-memory log: the last `count` events, none older than `seconds`.
 * Ids stay valid for the process's life; a position it no longer holds is reported, not guessed.
 */
export class EventLog {
  private readonly events: DomainEvent[] = [];
  private sequence = 0;

  constructor(
    private readonly retention: Retention,
    private readonly epoch = Date.now(),
    private readonly now: () => number = Date.now,
  ) {}

  append(input: EventInput): DomainEvent {
    this.sequence += 1;
    const publishedAt = this.now();
    const event = {
      ...input,
      id: formatEventId({ epoch: this.epoch, sequence: this.sequence }),
      publishedAt,
    } as DomainEvent;
    this.events.push(event);
    this.evict();
    return event;
  }

  /** The id of the newest event ever appended: where a connection without history starts. */
  head(): string {
    return formatEventId({ epoch: this.epoch, sequence: this.sequence });
  }

  /** Every retained event after `after`; with no position, none and the head. */
  replay(after: string | undefined): Replay {
    this.evict();
    const position = this.head();
    if (after === undefined) return { events: [], position };
    const parsed = parseResumeId(after);
    const oldestSequence = this.sequence - this.events.length + 1;
    const oldest_id = this.events[0]?.id ?? null;
    if (
      !parsed ||
      parsed.epoch > this.epoch ||
      (parsed.epoch === this.epoch && parsed.sequence > this.sequence)
    ) {
      return { events: [], position, reset: { reason: 'unknown', oldest_id } };
    }
    if (parsed.epoch < this.epoch || parsed.sequence < oldestSequence - 1) {
      return { events: [], position, reset: { reason: 'expired', oldest_id } };
    }
    return { events: this.events.slice(parsed.sequence - oldestSequence + 1), position };
  }

  private evict(): void {
    const excess = this.events.length - this.retention.count;
    if (excess > 0) this.events.splice(0, excess);
    const cutoff = this.now() - this.retention.seconds * 1000;
    let expired = 0;
    while (expired < this.events.length && this.events[expired].publishedAt < cutoff) expired += 1;
    if (expired > 0) this.events.splice(0, expired);
  }
}
