import { compareEventIds } from '../events/event-id';
import { Replay } from '../events/event-log';
import { DomainEvent } from '../events/event-map';

/** What a connection sends after a page of its replay: the page's events, then live ones. */
export interface PageToSend {
  replayed: readonly DomainEvent[];
  live: readonly DomainEvent[];
}

/**
 * A connection's way from its resume position to the live feed: the replay, read a page at a time,
 * merged with the live events that arrive meanwhile, each sent once.
 *
 * `reading`: a page is being read; live events wait. `sending`: a page that is not the last is
 * being sent; live events are dropped, as a later page holds them. `live`: past the replay.
 */
export class CatchUp {
  private phase: 'reading' | 'sending' | 'live' = 'reading';
  /** Where the page being sent ends, while sending. */
  private pageEnd = '';
  private early: DomainEvent[] = [];
  /**
   * Set while the feed has not yet handed out the events that the replay covers: live events up to
   * here were sent with the replay already (several instances: a position written on another
   * instance can be ahead of this instance's feed).
   */
  private replayedThrough: string | null = null;

  constructor(
    /** The last event the feed has handed out. */
    private readonly feedLastId: () => string,
  ) {}

  get isLive(): boolean {
    return this.phase === 'live';
  }

  get isReading(): boolean {
    return this.phase === 'reading';
  }

  /** Live events waiting for the page being read. */
  get waiting(): number {
    return this.early.length;
  }

  /** A live event from the feed: whether to send it now (else it waits, or a page holds it). */
  admits(event: DomainEvent): boolean {
    if (this.phase === 'reading') {
      this.early.push(event);
      return false;
    }
    if (this.phase === 'sending') return false;
    if (this.replayedThrough !== null) {
      if (compareEventIds(event.id, this.replayedThrough) <= 0) return false;
      this.replayedThrough = null;
    }
    return true;
  }

  /** A page has been read: what to send; after the last page, the waiting live events past it. */
  page(replay: Replay): PageToSend {
    if (this.phase !== 'reading') throw new Error(`A replay page arrived while ${this.phase}`);
    const waiting = this.early;
    this.early = [];
    if (replay.more) {
      this.phase = 'sending';
      this.pageEnd = replay.position;
      return { replayed: replay.events, live: [] };
    }
    this.phase = 'live';
    if (compareEventIds(this.feedLastId(), replay.position) < 0) {
      this.replayedThrough = replay.position;
    }
    const live = waiting.filter((event) => compareEventIds(event.id, replay.position) > 0);
    return { replayed: replay.events, live };
  }

  /**
   * Everything given out so far has been sent. After a page that is not the last, gives where it
   * ends (everything up to there is handled, and the next page is read from there); null otherwise.
   */
  sent(): string | null {
    if (this.phase !== 'sending') return null;
    this.phase = 'reading';
    return this.pageEnd;
  }
}
