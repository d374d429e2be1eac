import { Inject, Injectable } from '@nestjs/common';
import { CompiledQuery, Selectable } from 'kysely';
import { DATABASE } from '../database/database.module';
import { Database, EventsTable } from '../database/database.types';
import { formatEventId } from './event-id';
import { DomainEvent, EventInput } from './event-map';

export interface Retention {
  count: number;
  seconds: number;
  bytes: number;
}

/** Rows read at a time when catching up or replaying. */
export const READ_BATCH = 1000;

/**
 * Every event, appended or read back, is built by this one literal: they share one hidden class,
 * so the fan-out's reads of them stay fast. (`{ ...input, id }` would give each event a class and
 * property table of its own.)
 */
function event(
  input: EventInput,
  epoch: number,
  position: number,
  publishedAt: number,
  size: number,
): DomainEvent {
  return {
    type: input.type,
    organizationId: input.organizationId,
    data: input.data,
    id: formatEventId({ epoch, sequence: position }),
    position,
    publishedAt,
    size,
  } as DomainEvent;
}

function toEvent(epoch: number, row: Selectable<EventsTable>): DomainEvent {
  const input = {
    type: row.type,
    organizationId: row.organization_id,
    data: JSON.parse(row.data) as unknown,
  } as EventInput;
  return event(input, epoch, Number(row.position), Number(row.published_at), row.size);
}

/** The durable event log's tables: `event_log` (epoch, head, bytes) and `events`. */
@Injectable()
export class EventLogRepository {
  /**
   * The insert of one event, compiled once for this database's dialect: it runs on every write,
   * and building it with the query builder cost as much as SQLite running it.
   */
  private readonly insertEvent: CompiledQuery;

  constructor(@Inject(DATABASE) private readonly db: Database) {
    this.insertEvent = db
      .insertInto('events')
      .values({ type: '', organization_id: '', data: '', published_at: 0, size: 0 })
      .returning('position')
      .compile();
  }

  /** Which log this database holds: ids of another log are not positions in this one. */
  async epoch(): Promise<number> {
    const row = await this.db.selectFrom('event_log').select('epoch').executeTakeFirstOrThrow();
    return Number(row.epoch);
  }

  /**
   * The newest position, as `db` (a transaction's snapshot, say) sees it; 0 before the first
   * event. Positions commit in order and retention keeps the newest event, so this is the head.
   */
  async head(db: Database = this.db): Promise<number> {
    const row = await db
      .selectFrom('events')
      .select((eb) => eb.fn.max('position').as('head'))
      .executeTakeFirst();
    return Number(row?.head ?? 0);
  }

  /**
   * Stores `inputs` inside the caller's transaction, as its last writes. The database gives each
   * its position from the log's head (migration 0004), in commit order: a reader that has seen a
   * position has seen every one before it.
   */
  async append(
    trx: Database,
    epoch: number,
    inputs: readonly EventInput[],
    now: number,
  ): Promise<DomainEvent[]> {
    const events: DomainEvent[] = [];
    for (const input of inputs) {
      const data = JSON.stringify(input.data);
      const size = Buffer.byteLength(data);
      const { rows } = await trx.executeQuery<{ position: number | string }>(
        CompiledQuery.raw(this.insertEvent.sql, [
          input.type,
          input.organizationId,
          data,
          now,
          size,
        ]),
      );
      events.push(event(input, epoch, Number(rows[0].position), now, size));
    }
    return events;
  }

  /** Events after `after` up to `through`, in order, at most `limit` of them. */
  async range(
    epoch: number,
    after: number,
    through: number,
    limit = READ_BATCH,
  ): Promise<DomainEvent[]> {
    const rows = await this.db
      .selectFrom('events')
      .selectAll()
      .where('position', '>', after)
      .where('position', '<=', through)
      .orderBy('position')
      .limit(limit)
      .execute();
    return rows.map((row) => toEvent(epoch, row));
  }

  /** The oldest retained position, or null when the log holds no event. */
  async oldest(): Promise<number | null> {
    const row = await this.db
      .selectFrom('events')
      .select((eb) => eb.fn.min('position').as('oldest'))
      .executeTakeFirst();
    return row?.oldest == null ? null : Number(row.oldest);
  }

  /**
   * Removes what retention no longer keeps: beyond the newest `count`, older than `seconds`, or
   * beyond `bytes` counted from the newest. The newest event always stays: it holds the head.
   * Returns how many events went.
   */
  async trim(retention: Retention, now: number): Promise<number> {
    const head = await this.head();
    let cut = head - retention.count;
    // Positions follow commit order, so the first recent event bounds the aged ones.
    const recent = await this.db
      .selectFrom('events')
      .select('position')
      .where('published_at', '>=', now - retention.seconds * 1000)
      .orderBy('position')
      .limit(1)
      .executeTakeFirst();
    cut = Math.max(cut, recent ? Number(recent.position) - 1 : head);
    cut = Math.max(cut, await this.beyondBytes(retention.bytes, Math.max(cut, 0)));
    cut = Math.min(cut, head - 1);
    if (cut <= 0) return 0;
    const { numDeletedRows } = await this.db
      .deleteFrom('events')
      .where('position', '<=', cut)
      .executeTakeFirst();
    return Number(numDeletedRows);
  }

  /**
   * The newest position past which the events hold more than `bytes`, counted from the newest
   * down to `floor` (what goes anyway); `floor` when they fit.
   */
  private async beyondBytes(bytes: number, floor: number): Promise<number> {
    let held = 0;
    for (let before = Number.MAX_SAFE_INTEGER; ;) {
      const rows = await this.db
        .selectFrom('events')
        .select(['position', 'size'])
        .where('position', '<', before)
        .where('position', '>', floor)
        .orderBy('position', 'desc')
        .limit(READ_BATCH)
        .execute();
      for (const row of rows) {
        held += row.size;
        if (held > bytes) return Number(row.position);
      }
      if (rows.length < READ_BATCH) return floor;
      before = Number(rows[rows.length - 1].position);
    }
  }
}
