import { Selectable } from 'kysely';
import { MemoriesTable } from '../database/database.types';
import { Memory, MemoryType } from './memory.types';

/** A memory as every engine stores it: tags and metadata are JSON text. */
export type MemoryRow = Selectable<MemoriesTable>;

/** A stored row as the domain sees it; the memory repository and search both read rows. */
export function toMemory(row: MemoryRow): Memory {
  return {
    ...row,
    memory_type: row.memory_type as MemoryType,
    tags: JSON.parse(row.tags) as string[],
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
  };
}

/** A memory as it is written. */
export function toRow(memory: Memory): MemoryRow {
  return {
    ...memory,
    tags: JSON.stringify(memory.tags),
    metadata: JSON.stringify(memory.metadata),
  };
}
