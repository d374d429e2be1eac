import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { parseApiKey } from '../src/auth/api-key.format';
import request from 'supertest';
import { freshPostgresDatabase, REDIS_URL } from './support/backend';
import { startInstance, Instance } from './support/instance';
import { PrivateRedis, startPrivateRedis } from './support/private-redis';
import { postMemory } from './support/http';
import { createKeyIn, killDuringWrites, runKeysCli } from './support/processes';
import { expectClosedWithinDeadline } from './support/revocation';
import { isType, openStream, SseStream } from './support/sse-client';
import { waitUntilAsync } from './support/waits';

const LEASE_SECONDS = 3;

/** Two real instances, separate processes on different ports, sharing one PostgreSQL and one Redis. */
describe('several instances on PostgreSQL and Redis', () => {
  const prefix = `mnemo-test:${randomBytes(6).toString('hex')}:`;
  let databaseUrl: string;
  let env: Record<string, string>;
  let dropDatabase: () => Promise<void>;
  let dropRestartDatabase: () => Promise<void>;
  let restartKey: string;
  let a: Instance;
  let b: Instance;
  let key: string;
  const streams: SseStream[] = [];

  const connect = async (
    instance: Instance,
    headers: Record<string, string> = {},
    query = '?events=memory.created',
  ) => {
    const stream = await openStream(`${instance.url}/api/v1/stream${query}`, {
      headers: { Authorization: `Bearer ${key}`, ...headers },
    });
    streams.push(stream);
    return stream;
  };
  const createMemory = (instance: Instance, content: string) =>
    postMemory(instance.url, key, { content });

  beforeAll(async () => {
    const database = await freshPostgresDatabase();
    databaseUrl = database.url;
    dropDatabase = database.drop;
    env = {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      STREAM_SLOT_LEASE_SECONDS: String(LEASE_SECONDS),
    };
    key = await createKeyIn(database.url);
    [a, b] = await Promise.all([startInstance(env), startInstance(env)]);
  }, 90_000);

  afterEach(() => {
    for (const stream of streams.splice(0)) stream.close();
  });

  afterAll(async () => {
    await Promise.all([a?.stop('SIGKILL'), b?.stop('SIGKILL')]);
    await dropDatabase?.();
  });

  it('delivers a memory created on A to a subscriber on B', async () => {
    const onB = await connect(b);
    const memory = await createMemory(a, 'written on A');
    const event = await onB.waitFor((e) => e.json.id === memory.id);
    expect(event.event).toBe('memory.created');
  });

  it('holds the per-key limit across A and B under a simultaneous burst', async () => {
    const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => connect(i % 2 ? a : b)));
    expect(burst.filter((s) => s.status === 200)).toHaveLength(5);
    expect(burst.filter((s) => s.status === 429)).toHaveLength(7);
  });

  it("closes a revoked key's streams on both instances within a second of the keys CLI revoking it", async () => {
    const revokedKey = await createKeyIn(databaseUrl);
    const headers = { Authorization: `Bearer ${revokedKey}` };
    const onBoth = await Promise.all(
      [a, b].map((instance) =>
        openStream(`${instance.url}/api/v1/stream?events=memory.created`, { headers }),
      ),
    );
    streams.push(...onBoth);
    expect(onBoth.map((stream) => stream.status)).toEqual([200, 200]);
    let turn = 0;
    await expectClosedWithinDeadline(
      onBoth,
      async () => {
        const result = await runKeysCli(databaseUrl, ['revoke', parseApiKey(revokedKey)!.id]);
        expect(result.code).toBe(0);
      },
      async () => (await createMemory(turn++ % 2 ? a : b, 'published around the revoke')).id,
    );
  }, 60_000);

  it("resumes A's subscribers on B after A is killed, exactly once, and frees A's slots within the lease", async () => {
    const onA = await Promise.all([connect(a), connect(a)]);
    const before = await createMemory(b, 'before the crash');
    for (const stream of onA) await stream.waitFor((e) => e.json.id === before.id);
    const lastIds = onA.map((stream) => stream.events.at(-1)!.id!);

    await a.stop('SIGKILL');
    const missed = [await createMemory(b, 'missed 1'), await createMemory(b, 'missed 2')];
    const resumed = await Promise.all(lastIds.map((id) => connect(b, { 'Last-Event-ID': id })));
    const after = await createMemory(b, 'after');
    for (const stream of resumed) {
      await stream.waitFor((e) => e.json.id === after.id);
      expect(stream.dataEvents().map((e) => e.json.id)).toEqual([
        ...missed.map((m) => m.id),
        after.id,
      ]);
    }

    // A's two slots were never released; they expire with their lease.
    const slots = async () => {
      const probes = await Promise.all(Array.from({ length: 3 }, () => connect(b)));
      const admitted = probes.filter((s) => s.status === 200).length;
      for (const probe of probes) probe.close();
      return admitted;
    };
    await waitUntilAsync(
      async () => (await slots()) === 3,
      (LEASE_SECONDS + 3) * 1000,
      "A's slots to expire",
    );
  }, 60_000);

  it("tells a sixth stream when a killed instance's slots free, and admits it then", async () => {
    const crashKey = await createKeyIn(databaseUrl);
    const headers = { Authorization: `Bearer ${crashKey}` };
    const doomed = await startInstance(env);
    try {
      const held = await Promise.all(
        Array.from({ length: 5 }, () => openStream(`${doomed.url}/api/v1/stream`, { headers })),
      );
      streams.push(...held);
      expect(held.map((stream) => stream.status)).toEqual([200, 200, 200, 200, 200]);
      await doomed.stop('SIGKILL');
      const killedAt = Date.now();
      // Part of the lease has run out since the instance last renewed it (before it died).
      await new Promise((resolve) => setTimeout(resolve, 1500));

      const askedAt = Date.now();
      const refused = await openStream(`${b.url}/api/v1/stream`, { headers });
      streams.push(refused);
      expect(refused.status).toBe(429);
      const retryAfter = Number(refused.headers['retry-after']);
      const leaseLeft = Math.ceil((killedAt + LEASE_SECONDS * 1000 - askedAt) / 1000);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(leaseLeft);

      // A client that waits as told is let in.
      await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
      const admitted = await openStream(`${b.url}/api/v1/stream`, { headers });
      streams.push(admitted);
      expect(admitted.status).toBe(200);
    } finally {
      await doomed.stop('SIGKILL');
    }
  }, 60_000);

  it('keeps streams open when Redis drops its connections, and delivers what was written meanwhile once', async () => {
    const stream = await connect(b, {}, '?events=memory.created');
    const seen = await createMemory(b, 'before the outage');
    await stream.waitFor((e) => e.json.id === seen.id);
    await killRedisClients();
    // Writes need no Redis: their events are in the database.
    const during = await createMemory(b, 'while Redis reconnects');
    const after = await createMemory(b, 'after');
    await stream.waitFor((e) => e.json.id === after.id, 10_000);
    expect(stream.events.filter(isType('error'))).toEqual([]);
    expect(stream.dataEvents().map((e) => e.json.id)).toEqual([seen.id, during.id, after.id]);
  }, 60_000);

  /** Drops the instances' Redis connections (only theirs: other suites share this Redis). */
  async function killRedisClients(): Promise<void> {
    const { Redis } = await import('ioredis');
    const admin = new Redis(REDIS_URL);
    try {
      const list = (await admin.client('LIST')) as string;
      const ours = list
        .split('\n')
        .filter((line) => line.includes(` name=${prefix} `))
        .map((line) => /\bid=(\d+)/.exec(line)![1]);
      expect(ours.length).toBeGreaterThan(0);
      for (const id of ours) await admin.client('KILL', 'ID', id);
    } finally {
      admin.disconnect();
    }
  }

  describe('when Redis is killed, and comes back empty', () => {
    let redis: PrivateRedis;
    let c: Instance;
    let d: Instance;

    beforeAll(async () => {
      redis = await startPrivateRedis();
      const database = await freshPostgresDatabase();
      dropRestartDatabase = database.drop;
      restartKey = await createKeyIn(database.url);
      const env = { DATABASE_URL: database.url, REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix };
      [c, d] = await Promise.all([startInstance(env), startInstance(env)]);
    }, 60_000);

    afterAll(async () => {
      await Promise.all([c?.stop('SIGKILL'), d?.stop('SIGKILL')]);
      await redis?.stop();
      await dropRestartDatabase?.();
    });

    it('gives a client resuming on the other instance every event after its position, without a reset', async () => {
      const headers = { Authorization: `Bearer ${restartKey}` };
      const create = async (content: string) =>
        (await request(c.url).post('/api/v1/memories').set(headers).send({ content }).expect(201))
          .body as { id: string };
      const stream = await openStream(`${c.url}/api/v1/stream?events=memory.created`, { headers });
      streams.push(stream);
      const seen = await create('seen');
      const lastSeen = await stream.waitFor((e) => e.json.id === seen.id);
      stream.close();
      const missed = [await create('missed 1'), await create('missed 2')];

      await redis.kill();
      // Without Redis: writes and reads go on; what only Redis holds answers 503, to be retried.
      const during = await create('while Redis is down');
      await request(d.url).get(`/api/v1/memories/${during.id}`).set(headers).expect(200);
      const listed = await request(d.url).get('/api/v1/memories').set(headers).expect(200);
      expect(listed.body.data.map((m: { id: string }) => m.id)).toContain(during.id);
      await request(d.url)
        .post('/api/v1/memories/search')
        .set(headers)
        .send({ query: 'down' })
        .expect(200);
      const ticket = await request(d.url).post('/api/v1/stream/tickets').set(headers);
      expect({ status: ticket.status, code: ticket.body.code }).toEqual({
        status: 503,
        code: 'SERVICE_UNAVAILABLE',
      });
      expect(ticket.headers['retry-after']).toBe('2');
      const refused = await openStream(`${d.url}/api/v1/stream`, { headers, headersOnly: true });
      streams.push(refused);
      expect(refused.status).toBe(503);
      const ready = await request(d.url).get('/health/ready');
      expect({ status: ready.status, down: ready.body.details?.error }).toEqual({
        status: 503,
        down: { redis: { status: 'down', message: 'redis is not answering' } },
      });

      await redis.startEmpty();
      const after = await create('after the restart');
      // Stream slots are counted in Redis: opening waits for the instance to reconnect.
      let resumed!: SseStream;
      await waitUntilAsync(
        async () => {
          resumed = await openStream(`${d.url}/api/v1/stream?events=memory.created`, {
            headers: { ...headers, 'Last-Event-ID': lastSeen.id! },
          });
          streams.push(resumed);
          return resumed.status === 200;
        },
        10_000,
        'a stream to open on the other instance',
      );
      await resumed.waitFor((e) => e.json.id === after.id, 10_000);
      const live = await create('live');
      await resumed.waitFor((e) => e.json.id === live.id, 10_000);
      expect(resumed.events.filter(isType('stream.reset'))).toEqual([]);
      expect(resumed.dataEvents().map((e) => e.json.id)).toEqual([
        ...missed.map((m) => m.id),
        during.id,
        after.id,
        live.id,
      ]);
    }, 60_000);
  });

  describe('when an instance is killed during a burst of writes', () => {
    let e: Instance;
    let f: Instance;
    let database: { url: string; drop(): Promise<void> };
    let burstKey: string;

    beforeAll(async () => {
      database = await freshPostgresDatabase();
      burstKey = await createKeyIn(database.url);
      const env = { DATABASE_URL: database.url, REDIS_URL, REDIS_KEY_PREFIX: `${prefix}burst:` };
      [e, f] = await Promise.all([startInstance(env), startInstance(env)]);
    }, 60_000);

    afterAll(async () => {
      await Promise.all([e?.stop('SIGKILL'), f?.stop('SIGKILL')]);
      await database?.drop();
    });

    it("delivers every committed change's event exactly once to a client resuming on the other instance", async () => {
      const headers = { Authorization: `Bearer ${burstKey}` };
      const start = await request(e.url)
        .post('/api/v1/memories')
        .set(headers)
        .send({ content: 'before the burst' })
        .expect(201);
      const position = start.headers['x-stream-position'] as string;

      await killDuringWrites(e, burstKey);

      const committed = await memoryIdsIn(database.url, start.body.id as string);
      expect(committed.length).toBeGreaterThanOrEqual(40);
      const resumed = await openStream(`${f.url}/api/v1/stream?events=memory.created`, {
        headers: { ...headers, 'Last-Event-ID': position },
      });
      streams.push(resumed);
      const sentinel = await request(f.url)
        .post('/api/v1/memories')
        .set(headers)
        .send({ content: 'after the crash' })
        .expect(201);
      await resumed.waitFor((ev) => ev.json.id === sentinel.body.id, 15_000);
      const delivered = resumed.dataEvents().map((ev) => ev.json.id as string);
      expect(delivered.at(-1)).toBe(sentinel.body.id);
      expect(delivered.slice(0, -1).sort()).toEqual([...committed].sort());
    }, 90_000);
  });
});

/** Every memory id in the database but `except`. */
async function memoryIdsIn(url: string, except: string): Promise<string[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>('select id from memories where id <> $1', [
      except,
    ]);
    return rows.map((row) => row.id);
  } finally {
    await client.end();
  }
}
