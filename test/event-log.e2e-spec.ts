import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { bearer } from './support/http';
import { Instance, startInstance } from './support/instance';
import { isType, openStream, SseStream } from './support/sse-client';
import { createKeyIn, killDuringWrites } from './support/processes';
import { waitUntilAsync } from './support/waits';

const CREATED = '?events=memory.created';

/** The service as an operator runs it (a process on a SQLite file), stopped and started again. */
describe('the durable event log across restarts', () => {
  let dir: string;
  let file: string;
  let env: Record<string, string>;
  let key: string;
  let instance: Instance | undefined;
  const streams: SseStream[] = [];

  const start = async (extra: Record<string, string> = {}) => {
    instance = await startInstance({ ...env, ...extra });
    return instance;
  };
  const create = async (content: string) => {
    const response = await request(instance!.url)
      .post('/api/v1/memories')
      .set(bearer(key))
      .send({ content })
      .expect(201);
    return { id: response.body.id as string, position: response.headers['x-stream-position'] };
  };
  const connect = async (lastEventId?: string) => {
    const stream = await openStream(`${instance!.url}/api/v1/stream${CREATED}`, {
      headers: { ...bearer(key), ...(lastEventId && { 'Last-Event-ID': lastEventId }) },
    });
    expect(stream.status).toBe(200);
    streams.push(stream);
    return stream;
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mnemo-log-'));
    file = join(dir, 'mnemo.db');
    env = { DATABASE_URL: `sqlite:${file}` };
    key = await createKeyIn(env.DATABASE_URL);
  });

  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    await instance?.stop('SIGKILL');
    instance = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('replays exactly the missed events after a SIGTERM restart, without a reset, then goes on live', async () => {
    await start();
    const first = await connect();
    const seen = await create('seen');
    const lastSeen = await first.waitFor((e) => e.json.id === seen.id);
    first.close();
    const missed = [await create('missed 1'), await create('missed 2')];

    await instance!.stop('SIGTERM');
    await start();
    const resumed = await connect(lastSeen.id);
    await resumed.waitFor((e) => e.json.id === missed[1].id);
    const live = await create('live');
    await resumed.waitFor((e) => e.json.id === live.id);
    expect(resumed.events.filter(isType('stream.reset'))).toEqual([]);
    expect(resumed.dataEvents().map((e) => [e.json.id, e.id])).toEqual([
      [missed[0].id, missed[0].position],
      [missed[1].id, missed[1].position],
      [live.id, live.position],
    ]);
  }, 60_000);

  it('replays a stretch longer than a page from the database, in order, once each', async () => {
    const fast = { STREAM_MAX_EVENTS_PER_MINUTE: '1000000' };
    await start(fast);
    const first = await create('the position');
    const missed: string[] = [];
    for (let i = 0; i < 250; i += 1) missed.push((await create(`missed ${i}`)).id);
    await instance!.stop('SIGTERM');
    await start(fast);
    const resumed = await connect(first.position);
    await resumed.waitFor((e) => e.json.id === missed.at(-1), 15_000);
    const live = await create('live');
    await resumed.waitFor((e) => e.json.id === live.id);
    expect(resumed.dataEvents().map((e) => e.json.id)).toEqual([...missed, live.id]);
  }, 60_000);

  it('after a SIGKILL in the middle of concurrent writes, replays one memory.created for each stored memory', async () => {
    await start();
    const before = await create('before the crash');
    await killDuringWrites(instance!, key);

    const raw = new BetterSqlite3(file, { readonly: true });
    const stored = (
      raw.prepare('select id from memories where id <> ?').all(before.id) as {
        id: string;
      }[]
    ).map((row) => row.id);
    raw.close();
    expect(stored.length).toBeGreaterThanOrEqual(40);

    await start();
    const resumed = await connect(before.position);
    const sentinel = await create('after the restart');
    await resumed.waitFor((e) => e.json.id === sentinel.id, 15_000);
    const delivered = resumed.dataEvents().map((e) => e.json.id as string);
    expect(resumed.events.filter(isType('stream.reset'))).toEqual([]);
    expect(delivered.at(-1)).toBe(sentinel.id);
    expect(delivered.slice(0, -1).sort()).toEqual(stored.sort());
  }, 60_000);

  it('keeps the log and its copy in memory within EVENT_RETENTION_BYTES, however large the events', async () => {
    const bound = 256 * 1024;
    await start({ EVENT_RETENTION_BYTES: String(bound) });
    const first = await create('the first, soon gone');
    const large = 'x'.repeat(40_000);
    for (let i = 0; i < 40; i += 1) await create(`${i} ${large}`);

    const logBytes = () => {
      const raw = new BetterSqlite3(file, { readonly: true });
      try {
        return raw.prepare('select coalesce(sum(size), 0) as bytes from events').get() as {
          bytes: number;
        };
      } finally {
        raw.close();
      }
    };
    await waitUntilAsync(
      async () => logBytes().bytes <= bound,
      10_000,
      'the log to be trimmed to its bound',
    );
    const metrics = await (await fetch(`${instance!.url}/metrics`)).text();
    const windowBytes = Number(/^mnemo_event_log_window_bytes (\d+)$/m.exec(metrics)?.[1]);
    expect(windowBytes).toBeGreaterThan(0);
    expect(windowBytes).toBeLessThanOrEqual(bound);

    const resumed = await connect(first.position);
    const reset = await resumed.waitFor(isType('stream.reset'));
    expect(reset.json).toMatchObject({ reason: 'expired' });
  }, 60_000);
});
