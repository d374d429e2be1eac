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

function toEvent(epoch: number, row: Selectable<EventsTable>): DomainEvent {
  const position = Number(row.position);
  return {
    type: row.type,
    organizationId: row.organization_id,
    data: JSON.parse(row.data) as unknown,
    id: formatEventId({ epoch, sequence: position }),
    position,
    publishedAt: Number(row.published_at),
    size: row.size,
  } as DomainEvent;
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

  /** The last position given out, as `db` (a transaction's snapshot, say) sees it. */
  async head(db: Database = this.db): Promise<number> {
    const row = await db.selectFrom('event_log').select('head').executeTakeFirstOrThrow();
    return Number(row.head);
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
      const position = Number(rows[0].position);
      events.push({
        ...input,
        id: formatEventId({ epoch, sequence: position }),
        position,
        publishedAt: now,
        size,
      } as DomainEvent);
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
  async oldest(db: Database = this.db): Promise<number | null> {
    const row = await db
      .selectFrom('events')
      .select((eb) => eb.fn.min('position').as('oldest'))
      .executeTakeFirst();
    return row?.oldest == null ? null : Number(row.oldest);
  }

  /**
   * Removes what retention no longer keeps: beyond the newest `count`, older than `seconds`, or
   * beyond `bytes` counted from the newest. Returns how many events went.
   */
  async trim(retention: Retention, now: number): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const log = await trx
        .selectFrom('event_log')
        .select(['head', 'bytes'])
        .executeTakeFirstOrThrow();
      let cut = Number(log.head) - retention.count;
      // Positions follow commit order, so the first recent event bounds the aged ones.
      const recent = await trx
        .selectFrom('events')
        .select('position')
        .where('published_at', '>=', now - retention.seconds * 1000)
        .orderBy('position')
        .limit(1)
        .executeTakeFirst();
      cut = Math.max(cut, recent ? Number(recent.position) - 1 : Number(log.head));
      let excess = Number(log.bytes) - retention.bytes;
      let position = await this.oldest(trx);
      while (excess > 0 && position !== null) {
        const rows = await trx
          .selectFrom('events')
          .select(['position', 'size'])
          .where('position', '>=', position)
          .orderBy('position')
          .limit(READ_BATCH)
          .execute();
        for (const row of rows) {
          if (excess <= 0) break;
          excess -= row.size;
          cut = Math.max(cut, Number(row.position));
        }
        position = rows.length === READ_BATCH ? Number(rows[rows.length - 1].position) + 1 : null;
      }
      // The bytes are those this delete removed: another instance may be trimming the same rows.
      const removed = await trx
        .deleteFrom('events')
        .where('position', '<=', cut)
        .returning('size')
        .execute();
      if (removed.length === 0) return 0;
      const bytes = removed.reduce((sum, row) => sum + row.size, 0);
      await trx
        .updateTable('event_log')
        .set((eb) => ({ bytes: eb('bytes', '-', bytes) }))
        .where('id', '=', 1)
        .execute();
      return removed.length;
    });
  }
}
