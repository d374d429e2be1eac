import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { ApiKeyRepository } from '../src/auth/api-key.repository';
import { ApiKeyService } from '../src/auth/api-key.service';
import { openDatabase } from '../src/database/open-database';
import { freshPostgresDatabase, REDIS_URL } from './support/backend';
import { startInstance, Instance } from './support/instance';
import { PrivateRedis, startPrivateRedis } from './support/private-redis';
import { isType, openStream, SseStream } from './support/sse-client';
import { waitUntilAsync } from './support/stream-helpers';

const LEASE_SECONDS = 3;

/** Two real instances, separate processes on different ports, sharing one PostgreSQL and one Redis. */
describe('several instances on PostgreSQL and Redis', () => {
  const prefix = `mnemo-test:${randomBytes(6).toString('hex')}:`;
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
  const createMemory = async (instance: Instance, content: string) =>
    (
      await request(instance.url)
        .post('/api/v1/memories')
        .set('Authorization', `Bearer ${key}`)
        .send({ content })
        .expect(201)
    ).body as { id: string };

  beforeAll(async () => {
    const database = await freshPostgresDatabase();
    dropDatabase = database.drop;
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      STREAM_SLOT_LEASE_SECONDS: String(LEASE_SECONDS),
    };
    // Migrations run once, before the instances race for them.
    const db = await openDatabase(database.url);
    const created = await new ApiKeyService(new ApiKeyRepository(db)).create({
      organizationId: 'acme',
      userId: 'alice',
    });
    await db.destroy();
    key = created.key;
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

  it('sends streams CONNECTION_ERROR when Redis drops the connection, and a resuming client loses nothing', async () => {
    const stream = await connect(b, {}, '?events=memory.created');
    const seen = await createMemory(b, 'before the outage');
    await stream.waitFor((e) => e.json.id === seen.id);
    await killRedisClients();
    const error = await stream.waitFor(isType('error'), 10_000, 'CONNECTION_ERROR');
    expect(error.json).toMatchObject({ code: 'CONNECTION_ERROR' });
    const written = await createMemoryWhenRedisIsBack(b, 'after the outage');
    const resumed = await connect(b, { 'Last-Event-ID': error.id! });
    await resumed.waitFor((e) => e.json.id === written.id);
    expect(resumed.dataEvents().map((e) => e.json.id)).toEqual([written.id]);
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

  async function createMemoryWhenRedisIsBack(instance: Instance, content: string) {
    let result: { id: string } | undefined;
    await waitUntilAsync(
      async () => {
        const response = await request(instance.url)
          .post('/api/v1/memories')
          .set('Authorization', `Bearer ${key}`)
          .send({ content });
        if (response.status === 201) result = response.body;
        return result !== undefined;
      },
      10_000,
      'Redis to be back',
    );
    return result!;
  }

  describe('when Redis restarts', () => {
    let redis: PrivateRedis;
    let c: Instance;

    beforeAll(async () => {
      redis = await startPrivateRedis();
      const database = await freshPostgresDatabase();
      dropRestartDatabase = database.drop;
      const db = await openDatabase(database.url);
      restartKey = (
        await new ApiKeyService(new ApiKeyRepository(db)).create({
          organizationId: 'acme',
          userId: 'alice',
        })
      ).key;
      await db.destroy();
      c = await startInstance({
        DATABASE_URL: database.url,
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: prefix,
      });
    }, 60_000);

    afterAll(async () => {
      await c?.stop('SIGKILL');
      await redis?.stop();
      await dropRestartDatabase?.();
    });

    it('loses no retained event for a client resuming after the restart', async () => {
      const headers = { Authorization: `Bearer ${restartKey}` };
      const create = (content: string) =>
        request(c.url).post('/api/v1/memories').set(headers).send({ content });
      const stream = await openStream(`${c.url}/api/v1/stream?events=memory.created`, { headers });
      streams.push(stream);
      const seen = (await create('seen').expect(201)).body as { id: string };
      const lastSeen = await stream.waitFor((e) => e.json.id === seen.id);
      stream.close();
      const missed = (await create('missed before the restart').expect(201)).body as { id: string };

      await redis.restart();
      let after: { id: string } | undefined;
      await waitUntilAsync(
        async () => {
          const response = await create('after the restart');
          if (response.status === 201) after = response.body;
          return after !== undefined;
        },
        15_000,
        'writes to work again after the restart',
      );
      const resumed = await openStream(`${c.url}/api/v1/stream?events=memory.created`, {
        headers: { ...headers, 'Last-Event-ID': lastSeen.id! },
      });
      streams.push(resumed);
      await resumed.waitFor((e) => e.json.id === after!.id, 10_000);
      expect(resumed.dataEvents().map((e) => e.json.id)).toEqual([missed.id, after!.id]);
    }, 60_000);
  });
});
