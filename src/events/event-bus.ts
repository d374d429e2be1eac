import { Observable } from 'rxjs';
import { Replay } from './event-log';
import { DomainEvent, EventInput } from './event-map';

/**
 * The domain event bus. Producers publish after their change is committed; subscribers receive
 * every event in publication order. Chosen at boot: in-process by default, Redis when configured.
 */
export abstract class EventBus {
  abstract publish(event: EventInput): Promise<DomainEvent>;
  /** Live events, from the moment of subscription on. */
  abstract readonly events$: Observable<DomainEvent>;
  /** Retained events after a position (a sent event id or resume point), for resuming streams. */
  abstract replay(after: string | undefined): Promise<Replay>;
  /** Emits when live delivery broke off (the broker was lost): open streams must resume. */
  abstract readonly interruptions$: Observable<void>;
  /** Whether a publish can succeed now: writers check it before committing a change. */
  abstract readonly available: boolean;
  /** Resolves when the bus can publish; for readiness. */
  abstract ping(): Promise<void>;
}
