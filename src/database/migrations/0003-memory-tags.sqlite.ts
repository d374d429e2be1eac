import { Kysely, sql } from 'kysely';

/**
 * `memory_tags` follows `memories.tags` (a JSON array, unique by validation) by trigger, as the
 * full-text index does: a create is then one statement, without a transaction around it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create trigger memory_tags_insert after insert on memories begin
      insert into memory_tags (memory_id, tag) select new.id, value from json_each(new.tags);
    end
  `.execute(db);
  await sql`
    create trigger memory_tags_update after update of tags on memories begin
      delete from memory_tags where memory_id = new.id;
      insert into memory_tags (memory_id, tag) select new.id, value from json_each(new.tags);
    end
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger memory_tags_update`.execute(db);
  await sql`drop trigger memory_tags_insert`.execute(db);
}
