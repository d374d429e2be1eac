import { Test, TestingModule } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sameHiddenClass } from '../../test/support/hidden-classes';
import { waitUntil } from '../../test/support/waits';
import { loadConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { DATABASE, DatabaseModule } from '../database/database.module';
import { Database } from '../database/database.types';
import { MetricsModule } from '../metrics/metrics.module';
import { RedisModule } from '../redis/redis.module';
import { EventFeed } from './event-feed';
import { parseResumeId } from './event-id';
import { EventLog } from './event-log';
import { EventLogRepository } from './event-log.repository';
import { DomainEvent, EventInput } from './event-map';
import { EventsModule } from './events.module';

function deleted(n: number): EventInput {
  return {
    type: 'memory.deleted',
    organizationId: 'acme',
    data: { id: `mem_${n}`, deleted_at: '2030-01-01T00:00:00.000Z', deleted_by: 'u', reason: 'r' },
  };
}

/** The events module over a real SQLite file, started as the application starts it. */
async function start(file: string): Promise<TestingModule> {
  const config = loadConfig({ DATABASE_URL: `sqlite:${file}`, LOG_LEVEL: 'silent' });
  const module = await Test.createTestingModule({
    imports: [
      ConfigModule.forRoot(config),
      MetricsModule,
      DatabaseModule,
      RedisModule,
      EventsModule,
    ],
  }).compile();
  await module.init();
  return module;
}

describe('EventLog', () => {
  let dir: string;
  let module: TestingModule;
  let log: EventLog;
  let delivered: DomainEvent[];

  const positions = (events: DomainEvent[]) => events.map((event) => event.position);
  const startLog = async () => {
    module = await start(join(dir, 'mnemo.db'));
    log = module.get(EventLog);
    delivered = [];
    module.get(EventFeed).events$.subscribe((event) => delivered.push(event));
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mnemo-log-'));
    await startLog();
  });
  afterEach(async () => {
    await module.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('transaction', () => {
    it('commits the events with the work, with the next positions, and hands them to the feed', async () => {
      const first = await log.transaction(async (_trx, append) => {
        append(deleted(1));
        append(deleted(2));
        return 'done';
      });
      const second = await log.transaction(async (_trx, append) => append(deleted(3)));
      expect(first.result).toBe('done');
      expect(positions(first.events)).toEqual([1, 2]);
      expect(first.position).toBe(first.events[1].id);
      expect(second.position).toBe(second.events[0].id);
      expect(parseResumeId(second.position)).toEqual({
        epoch: await module.get(EventLogRepository).epoch(),
        sequence: 3,
      });
      expect(positions(delivered)).toEqual([1, 2, 3]);
      expect(delivered[2]).toMatchObject(deleted(3));
    });

    it('writes neither the work nor its events when the work throws, and uses up no position', async () => {
      const db = module.get<Database>(DATABASE);
      await db.schema.createTable('scratch').addColumn('n', 'integer').execute();
      const failed = log.transaction(async (trx, append) => {
        await trx
          .insertInto('scratch' as never)
          .values({ n: 1 } as never)
          .execute();
        append(deleted(1));
        throw new Error('changed my mind');
      });
      await expect(failed).rejects.toThrow('changed my mind');
      const rows = await db
        .selectFrom('scratch' as never)
        .selectAll()
        .execute();
      expect(rows).toEqual([]);
      const next = await log.transaction(async (_trx, append) => append(deleted(2)));
      expect(positions(next.events)).toEqual([1]);
      expect(positions(delivered)).toEqual([1]);
    });

    it('gives the head as its position when it appends nothing', async () => {
      const written = await log.transaction(async (_trx, append) => append(deleted(1)));
      const quiet = await log.transaction(async () => undefined);
      expect(quiet.events).toEqual([]);
      expect(quiet.position).toBe(written.position);
    });
  });

  it('commits events published in one go in one transaction, after the callers have moved on', async () => {
    const published = [log.publish(deleted(1)), log.publish(deleted(2))];
    expect(delivered).toEqual([]);
    const events = await Promise.all(published);
    expect(events.map((event) => event?.position)).toEqual([1, 2]);
    expect(positions(delivered)).toEqual([1, 2]);
  });

  it('gives a snapshot the position of the last event committed before it', async () => {
    const written = await log.transaction(async (_trx, append) => append(deleted(1)));
    const { result, position } = await log.snapshot(async () => 'read');
    expect(result).toBe('read');
    expect(position).toBe(written.position);
  });

  describe('replay', () => {
    const appendThree = async () =>
      (
        await log.transaction(async (_trx, append) => {
          for (const n of [1, 2, 3]) append(deleted(n));
        })
      ).events;

    it('gives nothing and the last position to a stream without history', async () => {
      const events = await appendThree();
      expect(await log.replay(undefined)).toEqual({ events: [], position: events[2].id });
    });

    it('gives the events after a position, from memory', async () => {
      const events = await appendThree();
      expect(await log.replay(events[0].id)).toEqual({
        events: events.slice(1),
        position: events[2].id,
      });
    });

    it('gives the same events from the database after a restart', async () => {
      const events = await appendThree();
      await module.close();
      await startLog();
      const replay = await log.replay(events[0].id);
      expect(replay.reset).toBeUndefined();
      expect(replay.events.map((e) => [e.id, e.type, e.data])).toEqual(
        events.slice(1).map((e) => [e.id, e.type, e.data]),
      );
      expect(replay.position).toBe(events[2].id);
    });

    it('builds its events with one hidden class, whether appended or read back', async () => {
      const events = await appendThree();
      expect(sameHiddenClass(events[1], events[2])).toBe(true);
      await module.close();
      await startLog();
      const [readBack] = (await log.replay(events[0].id)).events;
      expect(sameHiddenClass(readBack, events[2])).toBe(true);
    });

    it('resets with unknown for a position beyond the log or of a newer log, and expired for an older log', async () => {
      const events = await appendThree();
      const { epoch, sequence } = parseResumeId(events[2].id)!;
      const oldest_id = events[0].id;
      expect((await log.replay(`${epoch}-${sequence + 1}`)).reset).toEqual({
        reason: 'unknown',
        oldest_id,
      });
      expect((await log.replay(`${epoch + 1}-1`)).reset).toEqual({ reason: 'unknown', oldest_id });
      expect((await log.replay('not-an-id')).reset).toEqual({ reason: 'unknown', oldest_id });
      expect((await log.replay(`${epoch - 1}-3`)).reset).toEqual({ reason: 'expired', oldest_id });
    });
  });

  describe('the feed', () => {
    /** Appends as another instance does: committed, but not handed to this instance's feed. */
    const appendElsewhere = async (n: number) => {
      const repository = module.get(EventLogRepository);
      const epoch = await repository.epoch();
      const db = module.get<Database>(DATABASE);
      return (
        await db.transaction().execute((trx) => repository.append(trx, epoch, [deleted(n)], 1))
      )[0];
    };

    it('holds an event that arrives ahead of one still missing, and reads the missing one from the log', async () => {
      const missing = await appendElsewhere(1);
      const ahead = await appendElsewhere(2);
      module.get(EventFeed).offer([ahead]);
      expect(delivered).toEqual([]);
      await waitUntil(() => delivered.length === 2, 3000, 'the gap to be filled');
      expect(positions(delivered)).toEqual([missing.position, ahead.position]);
    });

    it('hands out each event once, however often it is offered', async () => {
      const event = await appendElsewhere(1);
      const feed = module.get(EventFeed);
      feed.offer([event]);
      feed.offer([event]);
      feed.catchUp();
      const later = await log.transaction(async (_trx, append) => append(deleted(2)));
      expect(positions(delivered)).toEqual([1, later.events[0].position]);
    });
  });
});
