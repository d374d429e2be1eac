// The stream's event types and their `data` payloads (snake_case on the wire, as the spec) are
// declared once, in the client package, which installs without the service: the service sends
// what its clients are typed to receive. Type-only, so nothing of the client runs here.
import type { EventDataMap, EventType } from '@mnemo/client';

export type {
  AnalyticsUpdateData,
  EventDataMap,
  EventType,
  MemoryChanges,
  MemoryCreatedData,
  MemoryDeletedData,
  MemoryUpdatedData,
  SearchPerformedData,
  SystemHealthData,
  UserActivityData,
} from '@mnemo/client';

export const EVENT_TYPES: readonly EventType[] = [
  'memory.created',
  'memory.updated',
  'memory.deleted',
  'search.performed',
  'user.activity',
  'system.health',
  'analytics.update',
];

/** Events that carry no tenant data and reach every organization. */
export const GLOBAL_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>(['system.health']);

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

/** What a producer hands to the log: a type, its payload, and the organization it belongs to. */
export type EventInput<T extends EventType = EventType> = {
  [K in T]: { type: K; organizationId: string | null; data: EventDataMap[K] };
}[T];

/**
 * An event in the log: its id (the log's epoch and its position), its position alone, when it was
 * appended, and the bytes of its JSON data (for retention by size).
 */
export type DomainEvent<T extends EventType = EventType> = EventInput<T> & {
  id: string;
  position: number;
  publishedAt: number;
  size: number;
};
