import { Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema
    .createIndex('api_keys_organization')
    .on('api_keys')
    .column('organization_id')
    .execute();

  await db.schema
    .createTable('memories')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('title', 'text')
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('memory_type', 'text', (c) => c.notNull())
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();
  // Lists are newest first within one organization.
  await db.schema
    .createIndex('memories_organization_created')
    .on('memories')
    .expression(sql`organization_id, created_at desc, id desc`)
    .execute();

  // Tags also live in their own table so that filtering by tag is one index probe in every dialect.
  await db.schema
    .createTable('memory_tags')
    .addColumn('memory_id', 'text', (c) =>
      c.notNull().references('memories.id').onDelete('cascade'),
    )
    .addColumn('tag', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('memory_tags_pk', ['memory_id', 'tag'])
    .execute();
  await db.schema
    .createIndex('memory_tags_tag')
    .on('memory_tags')
    .columns(['tag', 'memory_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('memory_tags').execute();
  await db.schema.dropTable('memories').execute();
  await db.schema.dropTable('api_keys').execute();
}
