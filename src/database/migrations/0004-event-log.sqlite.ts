import { Kysely, sql } from 'kysely';

/**
 * The durable event log. `event_log` holds the log's epoch (which log an id belongs to). SQLite
 * has one writer at a time: an event inserted without a position gets the next rowid, so positions
 * are dense and in commit order, and never reused because retention always keeps the newest event.
 * `size` precedes `data` so that reading it never touches a large payload's overflow pages.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table event_log (
      id integer primary key check (id = 1),
      epoch integer not null
    )
  `.execute(db);
  await sql`insert into event_log (id, epoch) values (1, ${Date.now()})`.execute(db);
  await sql`
    create table events (
      position integer primary key,
      type text not null,
      organization_id text,
      published_at integer not null,
      size integer not null,
      data text not null
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table events`.execute(db);
  await sql`drop table event_log`.execute(db);
}
