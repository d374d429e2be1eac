// The client is published on its own and must carry no server code. Its event types still come
// from the server's one event map: a type-only import compiles to nothing, so the map stays in
// one place and the client's JavaScript requires only eventsource-parser
// (client-imports.spec.ts keeps it so).
import type { EventDataMap, EventType } from '../events/event-map';

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
} from '../events/event-map';

/** A domain event as the stream delivers it; `id` is where a reconnect resumes from. */
export type DataEvent<K extends EventType = EventType> = {
  [T in K]: { type: T; id: string; data: EventDataMap[T] };
}[K];

export interface HeartbeatEvent {
  type: 'heartbeat';
  id: string;
  data: { timestamp: string; status: string; connection_id: string };
}

/**
 * The server could not resume from the last id (`expired`: no longer retained; `unknown`): events
 * may have been missed, so refetch whatever state you keep.
 */
export interface ResetEvent {
  type: 'reset';
  id: string;
  data: { reason: 'expired' | 'unknown'; oldest_id: string | null };
}

/** What `for await (const event of stream)` yields. */
export type StreamEvent = DataEvent | ResetEvent;
