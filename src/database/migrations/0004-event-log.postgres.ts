import { Kysely, sql } from 'kysely';

/**
 * The durable event log. `event_log` holds the log's epoch (which log an id belongs to) and its
 * head, the last position given out. An event takes the next position from the head as it is
 * inserted: the row lock that takes is held until its transaction ends, so concurrent writers
 * commit in position order, on every instance. Writers insert their events last, to hold it
 * briefly. `size` precedes `data`, as on SQLite.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table event_log (
      id integer primary key check (id = 1),
      epoch bigint not null,
      head bigint not null
    )
  `.execute(db);
  await sql`insert into event_log (id, epoch, head) values (1, ${Date.now()}, 0)`.execute(db);
  await sql`
    create table events (
      position bigint primary key,
      type text not null,
      organization_id text,
      published_at bigint not null,
      size integer not null,
      data text not null
    )
  `.execute(db);
  await sql`
    create function events_take_position() returns trigger language plpgsql as $$
    begin
      update event_log set head = head + 1 where id = 1 returning head into new.position;
      return new;
    end
    $$
  `.execute(db);
  await sql`
    create trigger events_take_position before insert on events
    for each row execute function events_take_position()
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table events`.execute(db);
  await sql`drop function events_take_position`.execute(db);
  await sql`drop table event_log`.execute(db);
}
