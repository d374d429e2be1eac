import {
  MemoryChanges,
  MemoryCreatedData,
  MemoryDeletedData,
  MemoryUpdatedData,
} from '../events/event-map';
import { Memory } from './memory.types';

export function memoryCreatedData(memory: Memory): MemoryCreatedData {
  const { id, title, content, memory_type, metadata, tags, created_at, created_by } = memory;
  return { id, title, content, memory_type, metadata, tags, created_at, created_by };
}

export function memoryUpdatedData(memory: Memory, changes: MemoryChanges): MemoryUpdatedData {
  const { id, title, content, memory_type, metadata, tags, updated_at, updated_by } = memory;
  return { id, title, content, memory_type, metadata, tags, updated_at, updated_by, changes };
}

export function memoryDeletedData(
  id: string,
  deletedBy: string,
  reason: string,
): MemoryDeletedData {
  return { id, deleted_at: new Date().toISOString(), deleted_by: deletedBy, reason };
}
