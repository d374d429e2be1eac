import { Kysely, sql } from 'kysely';

/**
 * Every instance asks several times a second which keys were revoked lately (RevocationWatcher):
 * an index of revoked keys alone, by when, makes that one short probe however many keys exist.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('api_keys_revoked_at')
    .on('api_keys')
    .column('revoked_at')
    .where(sql.ref('revoked_at'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('api_keys_revoked_at').execute();
}
