import type { EventDataMap, EventType } from './event-data';

/** A domain event as the stream delivers it; `id` is where a reconnect resumes from. */
export type DataEvent<K extends EventType = EventType> = {
  [T in K]: { type: T; id: string; data: EventDataMap[T] };
}[K];

export interface HeartbeatEvent {
  type: 'heartbeat';
  id: string;
  data: {
    timestamp: string;
    status: string;
    connection_id: string;
    /** Seconds between heartbeats on this connection. */
    interval_seconds: number;
  };
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

/** The connection is open (the server answered 200 with an event stream), first or again. */
export interface OpenEvent {
  type: 'open';
}

/** What `for await (const event of stream)` yields. */
export type StreamEvent = DataEvent | ResetEvent;
