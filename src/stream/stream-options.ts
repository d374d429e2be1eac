import { EventType } from '../events/event-map';

export type FilterValue = string | number | boolean | null;

/** What a connection asked for, validated. */
export interface StreamOptions {
  /** Null: every type. */
  events: ReadonlySet<EventType> | null;
  /** Field name and wanted value; all must match. */
  filters: ReadonlyArray<readonly [string, FilterValue]>;
  heartbeatSeconds: number;
  /** From `last_event_id` in the query; the Last-Event-ID header wins over it. */
  lastEventId?: string;
}
