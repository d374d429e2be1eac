import { Inject, Injectable } from '@nestjs/common';
import { Selectable } from 'kysely';
import { DATABASE } from '../database/database.module';
import { ApiKeysTable, Database } from '../database/database.types';

/** Bound parameters per query stay well under every database's limit. */
const ID_BATCH = 500;

export type ApiKeyRow = Selectable<ApiKeysTable>;

@Injectable()
export class ApiKeyRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async insert(row: ApiKeyRow): Promise<void> {
    await this.db.insertInto('api_keys').values(row).execute();
  }

  async findById(id: string): Promise<ApiKeyRow | undefined> {
    return this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The ids, of those given, that exist and are not revoked. */
  async activeAmong(ids: readonly string[]): Promise<Set<string>> {
    const active = new Set<string>();
    for (let start = 0; start < ids.length; start += ID_BATCH) {
      const rows = await this.db
        .selectFrom('api_keys')
        .select('id')
        .where('id', 'in', ids.slice(start, start + ID_BATCH))
        .where('revoked_at', 'is', null)
        .execute();
      for (const row of rows) active.add(row.id);
    }
    return active;
  }

  /** Keys revoked at or after `since` (an ISO timestamp), with when. */
  async revokedSince(since: string): Promise<{ id: string; revoked_at: string }[]> {
    const rows = await this.db
      .selectFrom('api_keys')
      .select(['id', 'revoked_at'])
      .where('revoked_at', '>=', since)
      .execute();
    return rows.map(({ id, revoked_at }) => ({ id, revoked_at: revoked_at! }));
  }

  /** When the last key was revoked, or null when none ever was. */
  async lastRevokedAt(): Promise<string | null> {
    const row = await this.db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.max('revoked_at').as('last'))
      .executeTakeFirst();
    return row?.last ?? null;
  }

  async list(organizationId?: string): Promise<ApiKeyRow[]> {
    let query = this.db.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('id');
    if (organizationId !== undefined) query = query.where('organization_id', '=', organizationId);
    return query.execute();
  }

  /** Keys created or revoked at or after `since` (an ISO timestamp). */
  async changedSince(since: string): Promise<ApiKeyRow[]> {
    return this.db
      .selectFrom('api_keys')
      .selectAll()
      .where((eb) => eb.or([eb('created_at', '>=', since), eb('revoked_at', '>=', since)]))
      .orderBy('created_at')
      .execute();
  }

  /** Marks a key revoked; false when there is no such key or it was revoked already. */
  async revoke(id: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('api_keys')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}
