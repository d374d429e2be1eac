import { Kysely, sql } from 'kysely';

/**
 * Full-text index over memories' title, content and tags (the stored JSON text: its brackets and
 * quotes are separators to the tokenizer). External content: the index stores no copy of the
 * text and reads it from `memories` by rowid. `memories` has no INTEGER PRIMARY KEY, so its rowid
 * is implicit; SQLite keeps it across ordinary writes and VACUUM in practice, and
 * `insert into memories_fts(memories_fts) values ('rebuild')` restores the index if it ever drifts.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create virtual table memories_fts using fts5(
      title, content, tags,
      content = 'memories',
      content_rowid = 'rowid',
      tokenize = 'porter unicode61 remove_diacritics 2'
    )
  `.execute(db);
  await sql`insert into memories_fts (memories_fts) values ('rebuild')`.execute(db);

  // An external-content index forgets a row only when told the exact values it indexed.
  await sql`
    create trigger memories_fts_insert after insert on memories begin
      insert into memories_fts (rowid, title, content, tags)
        values (new.rowid, new.title, new.content, new.tags);
    end
  `.execute(db);
  await sql`
    create trigger memories_fts_delete after delete on memories begin
      insert into memories_fts (memories_fts, rowid, title, content, tags)
        values ('delete', old.rowid, old.title, old.content, old.tags);
    end
  `.execute(db);
  await sql`
    create trigger memories_fts_update after update of title, content, tags on memories begin
      insert into memories_fts (memories_fts, rowid, title, content, tags)
        values ('delete', old.rowid, old.title, old.content, old.tags);
      insert into memories_fts (rowid, title, content, tags)
        values (new.rowid, new.title, new.content, new.tags);
    end
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger memories_fts_update`.execute(db);
  await sql`drop trigger memories_fts_delete`.execute(db);
  await sql`drop trigger memories_fts_insert`.execute(db);
  await sql`drop table memories_fts`.execute(db);
}
