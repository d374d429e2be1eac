/** The one map of stream event types to their `data` payloads (snake_case on the wire, as the spec). */

export interface MemoryCreatedData {
  id: string;
  title: string | null;
  content: string;
  memory_type: string;
  metadata: Record<string, unknown>;
  tags: string[];
  created_at: string;
  created_by: string;
}

export interface MemoryChanges {
  title: boolean;
  content: boolean;
  memory_type: boolean;
  metadata: boolean;
  tags: boolean;
}

export interface MemoryUpdatedData {
  id: string;
  title: string | null;
  content: string;
  memory_type: string;
  metadata: Record<string, unknown>;
  tags: string[];
  updated_at: string;
  updated_by: string;
  changes: MemoryChanges;
}

export interface MemoryDeletedData {
  id: string;
  deleted_at: string;
  deleted_by: string;
  reason: string;
}

export interface SearchPerformedData {
  query: string;
  results_count: number;
  execution_time: number;
  user_id: string;
  timestamp: string;
  filters: Record<string, unknown>;
}

export interface UserActivityData {
  user_id: string;
  action: string;
  resource_type: string;
  resource_id?: string;
  timestamp: string;
}

export interface SystemHealthData {
  status: 'healthy' | 'degraded' | 'unhealthy';
  timestamp: string;
  metrics: { cpu_usage: number; memory_usage: number; response_time: number; error_rate: number };
  services: Record<string, 'healthy' | 'degraded' | 'unhealthy'>;
}

export interface AnalyticsUpdateData {
  timestamp: string;
  window_seconds: number;
  memories_total: number;
  memories_created: number;
  memories_updated: number;
  memories_deleted: number;
  searches: number;
  average_search_time: number | null;
  active_connections: number;
}

export interface EventDataMap {
  'memory.created': MemoryCreatedData;
  'memory.updated': MemoryUpdatedData;
  'memory.deleted': MemoryDeletedData;
  'search.performed': SearchPerformedData;
  'user.activity': UserActivityData;
  'system.health': SystemHealthData;
  'analytics.update': AnalyticsUpdateData;
}

export type EventType = keyof EventDataMap;

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
