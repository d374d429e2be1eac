import { DomainEvent } from './event-map';

export interface NotificationHandlers {
  /** Events another instance committed, as it announced them. */
  received(events: DomainEvent[]): void;
  /** News may have been missed (the connection was lost and is back): read the log. */
  resumed(): void;
}

/**
 * Carries the news of committed events between instances. Only news: the log in the database is
 * the one copy, and an instance that misses a notice catches up from it.
 */
export abstract class EventNotifier {
  /** Tells the other instances; best effort, never throws. */
  abstract announce(events: readonly DomainEvent[]): void;
  abstract listen(handlers: NotificationHandlers): void;
  /** Resolves while notices can flow; for health checks. */
  abstract ping(): Promise<void>;
}

/** One process: there is nobody to tell. */
export class SoleInstanceNotifier extends EventNotifier {
  announce(): void {}
  listen(): void {}
  async ping(): Promise<void> {}
}
