import request from 'supertest';
import { StreamHub } from '../src/stream/stream-hub';
import { bearer, postMemory } from './support/http';
import { parseExposition, untilOpenStreams, valueOf } from './support/metrics';
import { isType, openStream } from './support/sse-client';
import { startTestApp, TestApp } from './support/test-app';

describe('Prometheus metrics at GET /metrics', () => {
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    t = await startTestApp();
    key = await t.createKey('acme', 'alice');
  });
  afterAll(() => t.close());

  const scrape = async () => {
    const response = await request(t.url)
      .get('/metrics')
      .expect(200)
      .expect('Content-Type', /^text\/plain; version=0\.0\.4; charset=utf-8$/);
    return parseExposition(response.text);
  };

  const createMemory = (content: string) => postMemory(t.url, key, { content });

  it('serves text that parses as Prometheus exposition, without a key', async () => {
    const samples = await scrape();
    expect(samples.length).toBeGreaterThan(0);
    expect(samples.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        'mnemo_process_cpu_user_seconds_total',
        'mnemo_stream_open_connections',
      ]),
    );
  });

  it('is served at the root, not under /api/v1', async () => {
    await request(t.url).get('/api/v1/metrics').expect(404);
  });

  it('times HTTP requests by method, route pattern and status, never by raw URL', async () => {
    const memory = await createMemory('timed');
    await request(t.url).get(`/api/v1/memories/${memory.id}`).set(bearer(key)).expect(200);
    await request(t.url).get('/api/v1/memories/mem_0000000000000000').set(bearer(key)).expect(404);
    await request(t.url).get('/api/v1/memories').expect(401);
    await request(t.url).get(`/no/such/path/${memory.id}`).expect(404);

    const samples = await scrape();
    const count = (method: string, route: string, status: string) =>
      valueOf(samples, 'mnemo_http_request_duration_seconds_count', { method, route, status });
    expect(count('POST', '/api/v1/memories', '201')).toBeGreaterThanOrEqual(1);
    expect(count('GET', '/api/v1/memories/:id', '200')).toBe(1);
    expect(count('GET', '/api/v1/memories/:id', '404')).toBe(1);
    expect(count('GET', '/api/v1/memories', '401')).toBe(1);
    expect(count('GET', 'unmatched', '404')).toBe(1);

    const durations = samples.filter((s) => s.name.startsWith('mnemo_http_request_duration_'));
    for (const sample of durations) {
      expect(sample.labels.route).not.toContain('mem_');
      expect(sample.labels.route).not.toContain(memory.id);
    }
    expect(
      valueOf(samples, 'mnemo_http_request_duration_seconds_bucket', {
        method: 'GET',
        route: '/api/v1/memories/:id',
        status: '200',
        le: '+Inf',
      }),
    ).toBe(1);
  });

  it("times a stream's refusals, but not an opened stream's lifetime", async () => {
    const stream = await openStream(`${t.url}/api/v1/stream`, { headers: bearer(key) });
    expect(stream.status).toBe(200);
    await stream.waitFor(isType('heartbeat'));
    // Ended by the server, so that the response finishes (a client that leaves only closes it).
    t.app.get(StreamHub).closeAll('shutdown', () => ({
      code: 'CONNECTION_ERROR',
      message: 'ended by the test',
      retry_after: 1000,
    }));
    await untilOpenStreams(t.url, 0, 'the stream ending');
    await request(t.url)
      .get('/api/v1/stream?heartbeat=0')
      .set({ ...bearer(key), Accept: 'text/event-stream' })
      .expect(400);

    const samples = await scrape();
    const count = (route: string, status: string) =>
      valueOf(samples, 'mnemo_http_request_duration_seconds_count', {
        method: 'GET',
        route,
        status,
      });
    expect(count('/api/v1/stream', '400')).toBe(1);
    // Under no route: the opened stream let go of its route at the handover.
    expect(count('/api/v1/stream', '200')).toBe(0);
    expect(count('unmatched', '200')).toBe(0);
  });

  it('counts published events by type when a memory is created', async () => {
    const published = { type: 'memory.created' };
    const before = valueOf(await scrape(), 'mnemo_events_published_total', published);
    await createMemory('counted');
    expect(valueOf(await scrape(), 'mnemo_events_published_total', published)).toBe(before + 1);
  });

  it('counts events delivered to streams when they flow', async () => {
    const stream = await openStream(`${t.url}/api/v1/stream?events=memory.created`, {
      headers: bearer(key),
    });
    try {
      const before = valueOf(await scrape(), 'mnemo_events_delivered_total');
      const memory = await createMemory('delivered');
      await stream.waitFor((e) => isType('memory.created')(e) && e.json.id === memory.id);
      expect(valueOf(await scrape(), 'mnemo_events_delivered_total')).toBeGreaterThan(before);
    } finally {
      stream.close();
    }
  });
});
