import { Kysely, sql } from 'kysely';

/**
 * The durable event log. `event_log` is one row: the log's epoch (which log an id belongs to), its
 * head (the last position given out) and the bytes its events hold. SQLite has one writer at a
 * time, so positions from AUTOINCREMENT (never reused, rolled back with their transaction) are
 * dense and in commit order; a trigger keeps the head and the bytes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table event_log (
      id integer primary key check (id = 1),
      epoch integer not null,
      head integer not null,
      bytes integer not null
    )
  `.execute(db);
  await sql`insert into event_log (id, epoch, head, bytes) values (1, ${Date.now()}, 0, 0)`.execute(
    db,
  );
  await sql`
    create table events (
      position integer primary key autoincrement,
      type text not null,
      organization_id text,
      data text not null,
      published_at integer not null,
      size integer not null
    )
  `.execute(db);
  await sql`
    create trigger events_head after insert on events begin
      update event_log set head = new.position, bytes = bytes + new.size where id = 1;
    end
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger events_head`.execute(db);
  await sql`drop table events`.execute(db);
  await sql`drop table event_log`.execute(db);
}
