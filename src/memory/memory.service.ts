import { HttpStatus, Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { Caller } from '../auth/caller';
import { ApiError } from '../common/api-error';
import { EventLog } from '../events/event-log';
import { MemoryChanges } from '../events/event-map';
import { Positioned } from '../events/stream-position';
import { CreateMemoryDto, ListMemoriesQuery, UpdateMemoryDto } from './memory.dto';
import { memoryCreatedData, memoryDeletedData, memoryUpdatedData } from './memory.events';
import { MemoryViewed } from './memory.notifications';
import { MemoryPage, MemoryRepository } from './memory.repository';
import { decodeCursor } from './memory.cursor';
import { Memory, MemoryEdit } from './memory.types';

const EDITABLE: readonly (keyof MemoryEdit)[] = [
  'title',
  'content',
  'memory_type',
  'metadata',
  'tags',
];

export const DEFAULT_DELETE_REASON = 'user_request';

function notFound(id: string): ApiError {
  return new ApiError(HttpStatus.NOT_FOUND, 'NOT_FOUND', `Memory ${id} not found`);
}

/** Applies an edit; null when it would change nothing. */
function applyEdit(
  current: Memory,
  edit: MemoryEdit,
  caller: Caller,
): { next: Memory; changes: MemoryChanges } | null {
  const changes = Object.fromEntries(
    EDITABLE.map((field) => [
      field,
      edit[field] !== undefined && !isDeepStrictEqual(edit[field], current[field]),
    ]),
  ) as unknown as MemoryChanges;
  if (!Object.values(changes).some(Boolean)) return null;
  const next: Memory = {
    ...current,
    updated_at: new Date().toISOString(),
    updated_by: caller.userId,
  };
  for (const field of EDITABLE) {
    if (changes[field]) Object.assign(next, { [field]: edit[field] });
  }
  return { next, changes };
}

/** Memory CRUD within the caller's organization; every committed change commits one event with it. */
@Injectable()
export class MemoryService {
  constructor(
    private readonly memories: MemoryRepository,
    private readonly log: EventLog,
    private readonly notifications: EventEmitter2,
  ) {}

  async create(caller: Caller, input: CreateMemoryDto): Promise<Positioned<Memory>> {
    const now = new Date().toISOString();
    const memory: Memory = {
      id: `mem_${randomBytes(8).toString('hex')}`,
      organization_id: caller.organizationId,
      title: input.title ?? null,
      content: input.content,
      memory_type: input.memory_type ?? 'context',
      tags: input.tags ?? [],
      metadata: input.metadata ?? {},
      created_at: now,
      created_by: caller.userId,
      updated_at: now,
      updated_by: caller.userId,
    };
    return this.log.transaction(async (trx, append) => {
      await this.memories.insert(memory, trx);
      append({
        type: 'memory.created',
        organizationId: caller.organizationId,
        data: memoryCreatedData(memory),
      });
      return memory;
    });
  }

  async get(caller: Caller, id: string): Promise<Positioned<Memory>> {
    const { result: memory, position } = await this.log.snapshot((db) =>
      this.memories.findById(caller.organizationId, id, db),
    );
    if (!memory) throw notFound(id);
    this.notifications.emit(
      MemoryViewed.event,
      new MemoryViewed(caller.organizationId, caller.userId, id),
    );
    return { result: memory, position };
  }

  async list(caller: Caller, query: ListMemoriesQuery): Promise<Positioned<MemoryPage>> {
    if (query.page !== undefined && query.cursor !== undefined) {
      throw new ApiError(
        HttpStatus.BAD_REQUEST,
        'VALIDATION_ERROR',
        'Use either page or cursor, not both',
      );
    }
    const { memory_type, tags, created_by, limit } = query;
    const page = {
      limit,
      offset: query.page !== undefined ? (query.page - 1) * limit : undefined,
      after: query.cursor !== undefined ? decodeCursor(query.cursor) : undefined,
    };
    return this.log.snapshot((db) =>
      this.memories.list(caller.organizationId, { memory_type, tags, created_by }, page, db),
    );
  }

  async update(caller: Caller, id: string, edit: UpdateMemoryDto): Promise<Positioned<Memory>> {
    if (!EDITABLE.some((field) => edit[field] !== undefined)) {
      throw new ApiError(
        HttpStatus.BAD_REQUEST,
        'VALIDATION_ERROR',
        `Give at least one of: ${EDITABLE.join(', ')}`,
      );
    }
    return this.log.transaction(async (trx, append) => {
      let changes: MemoryChanges | undefined;
      const result = await this.memories.update(
        caller.organizationId,
        id,
        (current) => {
          const applied = applyEdit(current, edit, caller);
          changes = applied?.changes;
          return applied?.next ?? null;
        },
        trx,
      );
      if (!result) throw notFound(id);
      if (!result.after || !changes) return result.before;
      append({
        type: 'memory.updated',
        organizationId: caller.organizationId,
        data: memoryUpdatedData(result.after, changes),
      });
      return result.after;
    });
  }

  async delete(
    caller: Caller,
    id: string,
    reason = DEFAULT_DELETE_REASON,
  ): Promise<Positioned<void>> {
    return this.log.transaction(async (trx, append) => {
      if (!(await this.memories.delete(caller.organizationId, id, trx))) throw notFound(id);
      append({
        type: 'memory.deleted',
        organizationId: caller.organizationId,
        data: memoryDeletedData(id, caller.userId, reason),
      });
    });
  }
}
