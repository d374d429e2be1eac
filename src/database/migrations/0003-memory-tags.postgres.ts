import { Kysely, sql } from 'kysely';

/**
 * `memory_tags` follows `memories.tags` (a JSON array, unique by validation) by trigger, as on
 * SQLite: a create is then one statement, without a transaction around it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function memory_tags_follow() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' then
        delete from memory_tags where memory_id = new.id;
      end if;
      insert into memory_tags (memory_id, tag)
        select new.id, tag from json_array_elements_text(new.tags::json) as tag;
      return null;
    end
    $$
  `.execute(db);
  await sql`
    create trigger memory_tags_insert after insert on memories
    for each row execute function memory_tags_follow()
  `.execute(db);
  await sql`
    create trigger memory_tags_update after update of tags on memories
    for each row execute function memory_tags_follow()
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger memory_tags_update on memories`.execute(db);
  await sql`drop trigger memory_tags_insert on memories`.execute(db);
  await sql`drop function memory_tags_follow()`.execute(db);
}
