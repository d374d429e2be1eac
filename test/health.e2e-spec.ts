import request from 'supertest';
import { DATABASE } from '../src/database/database.module';
import { Database } from '../src/database/database.types';
import { MemoryRepository } from '../src/memory/memory.repository';
import { bearer, expectApiError } from './support/http';
import { isType, openStream, SseEvent, SseStream } from './support/sse-client';
import { startTestApp, TestApp } from './support/test-app';

const HEALTH_STREAM = '/api/v1/stream?events=system.health&heartbeat=30';
const HEALTHY_REPORT = {
  status: 'ok',
  info: { database: { status: 'up' }, search: { status: 'up' } },
  error: {},
  details: { database: { status: 'up' }, search: { status: 'up' } },
};

describe('health probes and system.health', () => {
  let t: TestApp;
  let key: string;
  const streams: SseStream[] = [];

  beforeAll(async () => {
    t = await startTestApp({ HEALTH_INTERVAL_SECONDS: '1' });
    key = await t.createKey('acme', 'alice');
  });
  afterEach(() => {
    jest.restoreAllMocks();
    for (const stream of streams.splice(0)) stream.close();
  });
  afterAll(() => t.close());

  const healthStream = async (streamKey = key) => {
    const stream = await openStream(`${t.url}${HEALTH_STREAM}`, { headers: bearer(streamKey) });
    expect(stream.status).toBe(200);
    streams.push(stream);
    return stream;
  };

  const nextHealthEvent = (stream: SseStream, after: SseEvent, timeoutMs = 3000) =>
    stream.waitFor(
      (e) => isType('system.health')(e) && stream.events.indexOf(e) > stream.events.indexOf(after),
      timeoutMs,
      'the next system.health event',
    );

  /**
   * The first system.health measured wholly after this call: runs follow one another, so a run
   * that follows an event stamped after the call began after it too.
   */
  const measuredFromNow = async (stream: SseStream) => {
    const since = new Date().toISOString();
    const after = await stream.waitFor(
      (e) => isType('system.health')(e) && String(e.json.timestamp) > since,
      3000,
      'a system.health stamped after the change',
    );
    return nextHealthEvent(stream, after);
  };

  /**
   * The database fails at the client the health checks talk to (Kysely's executeQuery): the rest
   * of the application keeps its connection, so keys still authenticate and the stream can still
   * carry the event that reports the failure.
   */
  const failDatabase = () =>
    jest
      .spyOn(t.app.get<Database>(DATABASE), 'executeQuery')
      .mockRejectedValue(new Error('SQLITE_IOERR: disk I/O error'));

  describe('probes', () => {
    it('answers GET /health with 200 and the status of each service, without a key', async () => {
      const response = await request(t.url)
        .get('/health')
        .expect(200)
        .expect('Content-Type', /application\/json/)
        .expect('Cache-Control', /no-cache/);
      expect(response.body).toEqual(HEALTHY_REPORT);
    });

    it('reveals no tenant data in any probe', async () => {
      const created = await request(t.url)
        .post('/api/v1/memories')
        .set(bearer(key))
        .send({ title: 'Quarterly plan', content: 'secret-launch-codeword' })
        .expect(201);
      for (const path of ['/health', '/health/live', '/health/ready']) {
        const text = (await request(t.url).get(path).expect(200)).text;
        for (const secret of [created.body.id, 'secret-launch-codeword', 'acme', 'alice', key]) {
          expect(text).not.toContain(secret);
        }
      }
    });

    it('answers GET /health/live with 200 without asking any dependency', async () => {
      const response = await request(t.url).get('/health/live').expect(200);
      expect(response.body).toEqual({ status: 'ok', info: {}, error: {}, details: {} });
    });

    it('answers GET /health/ready with 200 when the database answers', async () => {
      const response = await request(t.url).get('/health/ready').expect(200);
      expect(response.body).toEqual({
        status: 'ok',
        info: { database: { status: 'up' } },
        error: {},
        details: { database: { status: 'up' } },
      });
    });

    it('serves the probes at the root, not under /api/v1', async () => {
      await request(t.url).get('/api/v1/health').expect(404);
      await request(t.url).get('/api/v1/health/ready').expect(404);
    });
  });

  describe('when the database fails', () => {
    it('answers /health/ready and /health with 503 naming the database, /health/live with 200', async () => {
      failDatabase();
      const ready = await request(t.url).get('/health/ready');
      expectApiError(ready, 503, 'INTERNAL_ERROR');
      expect(ready.body.message).toBe('Unhealthy: database');
      expect(ready.body.details).toEqual({
        status: 'error',
        info: {},
        error: { database: { status: 'down', message: 'database is not answering' } },
        details: { database: { status: 'down', message: 'database is not answering' } },
      });

      const overall = await request(t.url).get('/health');
      expectApiError(overall, 503, 'INTERNAL_ERROR');
      expect(overall.body.details.details).toEqual({
        database: { status: 'down', message: 'database is not answering' },
        search: { status: 'down', message: 'search is not answering' },
      });
      expect(JSON.stringify(overall.body)).not.toContain('SQLITE_IOERR');

      await request(t.url).get('/health/live').expect(200);
    });

    it('answers 503 when the database does not answer within the timeout', async () => {
      jest
        .spyOn(t.app.get<Database>(DATABASE), 'executeQuery')
        .mockReturnValue(new Promise(() => undefined));
      const ready = await request(t.url).get('/health/ready');
      expectApiError(ready, 503, 'INTERNAL_ERROR');
      expect(ready.body.details.error).toEqual({
        database: { status: 'down', message: 'database is not answering' },
      });
    });

    it('says so in system.health: unhealthy, with the database unhealthy, now and on the next run', async () => {
      const stream = await healthStream();
      // Right after a scheduled run, so that no run measured before the failure is still going.
      await stream.waitFor(isType('system.health'), 3000, 'a scheduled system.health');
      failDatabase();
      const measured = await measuredFromNow(stream);
      expect(measured.json).toMatchObject({
        status: 'unhealthy',
        services: { api: 'healthy', database: 'unhealthy', search: 'unhealthy' },
      });
      // The timer's own run, after the failure began, reports it too.
      const scheduled = await nextHealthEvent(stream, measured);
      expect(scheduled.json).toMatchObject({
        status: 'unhealthy',
        services: { database: 'unhealthy' },
      });
    });

    it('reports healthy again, and is ready again, once the database answers', async () => {
      const stream = await healthStream();
      failDatabase();
      expect((await measuredFromNow(stream)).json.status).toBe('unhealthy');
      jest.restoreAllMocks();
      await request(t.url).get('/health/ready').expect(200);
      expect((await measuredFromNow(stream)).json).toMatchObject({
        status: 'healthy',
        // The probes' own 503s during the outage are not API errors.
        metrics: { error_rate: 0 },
        services: { api: 'healthy', database: 'healthy', search: 'healthy' },
      });
    });
  });

  describe('system.health events', () => {
    it('arrive on their own every interval, at the streams of every organization', async () => {
      const otherKey = await t.createKey('globex', 'bob');
      const acme = await healthStream();
      const globex = await healthStream(otherKey);
      const first = await acme.waitFor(isType('system.health'), 3000, 'a scheduled system.health');
      const second = await nextHealthEvent(acme, first);
      await globex.waitFor((e) => e.id === second.id, 3000, 'the same event at globex');
      const gapMs =
        Date.parse(String(second.json.timestamp)) - Date.parse(String(first.json.timestamp));
      expect(gapMs).toBeGreaterThanOrEqual(900);
    });

    it('carry exactly the spec’s fields, with measured numbers in range', async () => {
      await request(t.url).get('/api/v1/memories').set(bearer(key)).expect(200);
      const stream = await healthStream();
      const before = Date.now();
      const event = await measuredFromNow(stream);
      const data = event.json as {
        status: string;
        timestamp: string;
        metrics: Record<string, number>;
        services: Record<string, string>;
      };
      expect(Object.keys(data).sort()).toEqual(['metrics', 'services', 'status', 'timestamp']);
      expect(data.status).toBe('healthy');
      expect(data.services).toEqual({ api: 'healthy', database: 'healthy', search: 'healthy' });
      expect(Object.keys(data.metrics).sort()).toEqual([
        'cpu_usage',
        'error_rate',
        'memory_usage',
        'response_time',
      ]);
      for (const name of ['cpu_usage', 'memory_usage', 'error_rate']) {
        expect(data.metrics[name]).toBeGreaterThanOrEqual(0);
        expect(data.metrics[name]).toBeLessThanOrEqual(100);
      }
      // A request was answered within the last minute, so its latency is in the mean.
      expect(data.metrics.response_time).toBeGreaterThan(0);
      expect(data.metrics.response_time).toBeLessThan(5000);
      expect(data.metrics.error_rate).toBe(0);
      expect(data.timestamp).toBe(new Date(data.timestamp).toISOString());
      expect(Date.parse(data.timestamp)).toBeGreaterThanOrEqual(before - 1);
    });

    it('answers GET /api/v1/system/health to a key at once, with the data of the latest event', async () => {
      const stream = await healthStream();
      const received = await measuredFromNow(stream);
      const latest = await nextHealthEvent(stream, received);
      const response = await request(t.url)
        .get('/api/v1/system/health')
        .set(bearer(key))
        .expect(200);
      expect(response.body).toEqual({
        status: 'healthy',
        timestamp: expect.any(String),
        metrics: {
          cpu_usage: expect.any(Number),
          memory_usage: expect.any(Number),
          response_time: expect.any(Number),
          error_rate: expect.any(Number),
        },
        services: { api: 'healthy', database: 'healthy', search: 'healthy' },
      });
      // The scheduled run's reading, or a newer one: never older than what the stream delivered.
      expect(Date.parse(response.body.timestamp)).toBeGreaterThanOrEqual(
        Date.parse(latest.json.timestamp as string),
      );
    });

    it('refuses GET /api/v1/system/health without a key, or to a key without stream:read', async () => {
      expectApiError(await request(t.url).get('/api/v1/system/health'), 401, 'AUTH_ERROR');
      const writer = await t.createKey('acme', 'walt', ['memories:read', 'memories:write']);
      expectApiError(
        await request(t.url).get('/api/v1/system/health').set(bearer(writer)),
        403,
        'FORBIDDEN',
      );
    });

    it('turns degraded, with the api degraded, when more than 5% of recent answers are 5xx', async () => {
      // The repository is the failing dependency: its errors reach clients as real 500s.
      jest
        .spyOn(t.app.get(MemoryRepository), 'list')
        .mockRejectedValue(new Error('connection reset'));
      for (let i = 0; i < 40; i++) {
        await request(t.url).get('/api/v1/memories').set(bearer(key)).expect(500);
      }
      const event = await measuredFromNow(await healthStream());
      expect(event.json).toMatchObject({
        status: 'degraded',
        services: { api: 'degraded', database: 'healthy', search: 'healthy' },
      });
      expect((event.json.metrics as { error_rate: number }).error_rate).toBeGreaterThan(5);
      await request(t.url).get('/health/ready').expect(200);
    });
  });
});
