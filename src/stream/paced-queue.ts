import { DomainEvent } from '../events/event-map';
import { Pacer } from './pacer';
import { eventFrame } from './sse-frame';

/**
 * The events a connection holds back, for pacing or for a full socket, in order. Replayed events
 * are references into the retained log and do not count against the bound; live ones do, in number
 * and in bytes. Replayed events always come first: the replay ends before live events are taken.
 */
export class PacedQueue {
  private readonly pacer: Pacer;
  private events: DomainEvent[] = [];
  private start = 0;
  private replayed = 0;
  private heldLiveBytes = 0;

  constructor(
    maxEventsPerMinute: number,
    /** Live events that may wait. */
    private readonly maxLive: number,
    now: number,
  ) {
    this.pacer = new Pacer(maxEventsPerMinute, now);
  }

  get isEmpty(): boolean {
    return this.start === this.events.length;
  }

  get length(): number {
    return this.events.length - this.start;
  }

  /** Bytes of the live events held: what this queue keeps for its client beyond the log. */
  get liveBytes(): number {
    return this.heldLiveBytes;
  }

  /** Whether an event may go out at once: nothing waits ahead of it and pacing allows it now. */
  mayPass(now: number): boolean {
    return this.isEmpty && this.pacer.tryTake(now);
  }

  /** Holds an event back; false once more live events wait than the bound allows. */
  hold(event: DomainEvent, fromReplay: boolean): boolean {
    this.events.push(event);
    if (fromReplay) {
      this.replayed += 1;
      return true;
    }
    this.heldLiveBytes += eventFrame(event).length;
    return this.length - this.replayed <= this.maxLive;
  }

  /** The next event held, when pacing allows it now. */
  release(now: number): DomainEvent | undefined {
    if (this.isEmpty || !this.pacer.tryTake(now)) return undefined;
    const event = this.events[this.start++];
    if (this.replayed > 0) this.replayed -= 1;
    else this.heldLiveBytes -= eventFrame(event).length;
    if (this.isEmpty) {
      this.events = [];
      this.start = 0;
    }
    return event;
  }

  /** How long until the held events and `more` could all be sent, capped at a minute. */
  millisecondsToSend(now: number, more = 0): number {
    return Math.min(60_000, this.pacer.millisecondsFor(this.length + more, now));
  }
}
