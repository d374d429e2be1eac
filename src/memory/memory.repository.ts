import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, DATABASE_DIALECT } from '../database/database.module';
import { Database } from '../database/database.types';
import { DatabaseDialect } from '../database/dialect';
import { toMemory, toRow } from './memory.row';
import { Memory, MemoryCursor, MemoryListFilter } from './memory.types';

export interface MemoryPage {
  items: Memory[];
  total: number;
  hasMore: boolean;
}

@Injectable()
export class MemoryRepository {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(DATABASE_DIALECT) private readonly dialect: DatabaseDialect,
  ) {}

  /** Its tags reach `memory_tags` by trigger (migration 0003). */
  async insert(memory: Memory, db: Database = this.db): Promise<void> {
    await db.insertInto('memories').values(toRow(memory)).execute();
  }

  async findById(
    organizationId: string,
    id: string,
    db: Database = this.db,
  ): Promise<Memory | undefined> {
    const row = await db
      .selectFrom('memories')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toMemory(row);
  }

  /**
   * Reads, changes and writes one memory, in `trx` (a transaction, for the read and the write to
   * be one). `change` decides the new state from the current one, or returns null to leave it.
   */
  async update(
    organizationId: string,
    id: string,
    change: (current: Memory) => Memory | null,
    trx: Database,
  ): Promise<{ before: Memory; after: Memory | null } | undefined> {
    const row = await trx
      .selectFrom('memories')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      // SQLite runs one write transaction at a time; PostgreSQL must lock the row it will change.
      .$if(this.dialect === 'postgres', (query) => query.forUpdate())
      .executeTakeFirst();
    if (!row) return undefined;
    const before = toMemory(row);
    const after = change(before);
    if (!after) return { before, after: null };
    const { id: _id, organization_id: _org, ...fields } = toRow(after);
    await trx.updateTable('memories').set(fields).where('id', '=', id).execute();
    return { before, after };
  }

  async count(organizationId: string): Promise<number> {
    const { total } = await this.db
      .selectFrom('memories')
      .where('organization_id', '=', organizationId)
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .executeTakeFirstOrThrow();
    return Number(total);
  }

  /** False when there was no such memory in the organization. */
  async delete(organizationId: string, id: string, db: Database = this.db): Promise<boolean> {
    const result = await db
      .deleteFrom('memories')
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Newest first; either `offset` or `after` positions the page. */
  async list(
    organizationId: string,
    filter: MemoryListFilter,
    page: { limit: number; offset?: number; after?: MemoryCursor },
    db: Database = this.db,
  ): Promise<MemoryPage> {
    let query = db.selectFrom('memories').where('organization_id', '=', organizationId);
    if (filter.memory_type) query = query.where('memory_type', '=', filter.memory_type);
    if (filter.created_by) query = query.where('created_by', '=', filter.created_by);
    for (const tag of filter.tags ?? []) {
      query = query.where('id', 'in', (sub) =>
        sub.selectFrom('memory_tags').select('memory_id').where('tag', '=', tag),
      );
    }
    const { total } = await query
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .executeTakeFirstOrThrow();

    let itemsQuery = query.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc');
    const after = page.after;
    if (after) {
      itemsQuery = itemsQuery.where((eb) =>
        eb.or([
          eb('created_at', '<', after.created_at),
          eb.and([eb('created_at', '=', after.created_at), eb('id', '<', after.id)]),
        ]),
      );
    }
    const rows = await itemsQuery
      .limit(page.limit + 1)
      .offset(page.offset ?? 0)
      .execute();
    return {
      items: rows.slice(0, page.limit).map(toMemory),
      total: Number(total),
      hasMore: rows.length > page.limit,
    };
  }
}
