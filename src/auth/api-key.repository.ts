import { Inject, Injectable } from '@nestjs/common';
import { Selectable } from 'kysely';
import { DATABASE } from '../database/database.module';
import { ApiKeysTable, Database } from '../database/database.types';

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

  async list(organizationId?: string): Promise<ApiKeyRow[]> {
    let query = this.db.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('id');
    if (organizationId !== undefined) query = query.where('organization_id', '=', organizationId);
    return query.execute();
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
