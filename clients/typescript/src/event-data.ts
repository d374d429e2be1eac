/**
 * Each stream event type's `data`, as on the wire (snake_case, as the spec). The one declaration:
 * the service imports these types for what it sends.
 */

/** A memory's fields as events carry them. */
export interface MemoryFields {
  id: string;
  title: string | null;
  content: string;
  memory_type: string;
  metadata: Record<string, unknown>;
  tags: string[];
}

export interface MemoryCreatedData extends MemoryFields {
  created_at: string;
  created_by: string;
}

/** Which fields an update changed. */
export interface MemoryChanges {
  title: boolean;
  content: boolean;
  memory_type: boolean;
  metadata: boolean;
  tags: boolean;
}

export interface MemoryUpdatedData extends MemoryFields {
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

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

export interface SystemHealthData {
  status: HealthStatus;
  timestamp: string;
  metrics: { cpu_usage: number; memory_usage: number; response_time: number; error_rate: number };
  services: Record<string, HealthStatus>;
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
