import { Kysely, sql } from 'kysely';

/**
 * Full-text search for PostgreSQL: a GIN index over one immutable function of the indexed fields,
 * so every write keeps it in sync and queries use the very same expression. Title weighs most,
 * then tags, then content, as in the SQLite index. The text configuration stems English like
 * SQLite's porter tokenizer and, like it, drops no stop words: a search for "and" finds "and".
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create text search dictionary mnemo_english_stem (template = snowball, language = english)`.execute(
    db,
  );
  await sql`create text search configuration mnemo_english (copy = english)`.execute(db);
  await sql`
    alter text search configuration mnemo_english
    alter mapping for asciiword, word, numword, asciihword, hword, numhword, hword_asciipart,
      hword_part, hword_numpart
    with mnemo_english_stem
  `.execute(db);
  await sql`
    create function memory_search_vector(title text, content text, tags text) returns tsvector
    language sql immutable parallel safe as $$
      select setweight(to_tsvector('mnemo_english'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('mnemo_english'::regconfig, tags), 'B')
        || setweight(to_tsvector('mnemo_english'::regconfig, content), 'C')
    $$
  `.execute(db);
  await sql`
    create index memories_search on memories
    using gin (memory_search_vector(title, content, tags))
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index memories_search`.execute(db);
  await sql`drop function memory_search_vector(text, text, text)`.execute(db);
  await sql`drop text search configuration mnemo_english`.execute(db);
  await sql`drop text search dictionary mnemo_english_stem`.execute(db);
}
