import request from 'supertest';
import { bearer, expectApiError } from './support/http';
import { openStream } from './support/sse-client';
import { startTestApp, TestApp } from './support/test-app';

const ALLOWED = 'https://app.example.com';
const REFUSED = 'https://elsewhere.example.net';

/** What a browser sends before a cross-origin request it may not send outright. */
function preflight(url: string, path: string, origin: string, method: string, headers: string) {
  return request(url)
    .options(path)
    .set('Origin', origin)
    .set('Access-Control-Request-Method', method)
    .set('Access-Control-Request-Headers', headers);
}

describe('CORS with CORS_ORIGINS set', () => {
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    t = await startTestApp({ CORS_ORIGINS: `${ALLOWED},http://localhost:5173` });
    key = await t.createKey('acme', 'alice');
  });
  afterAll(() => t.close());

  it.each([
    ['POST', '/api/v1/memories', 'authorization,content-type'],
    ['PATCH', '/api/v1/memories/mem_0000000000000000', 'x-api-key,content-type'],
    ['DELETE', '/api/v1/memories/mem_0000000000000000', 'authorization'],
    ['POST', '/api/v1/memories/search', 'authorization,content-type'],
    ['POST', '/api/v1/stream/tickets', 'authorization'],
    ['GET', '/api/v1/stream', 'authorization,last-event-id'],
  ])('answers a preflight for %s %s from a listed origin', async (method, path, headers) => {
    const response = await preflight(t.url, path, ALLOWED, method, headers);
    expect(response.status).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(response.headers['access-control-allow-methods']).toContain(method);
    const allowed = response.headers['access-control-allow-headers'].toLowerCase();
    for (const header of headers.split(',')) expect(allowed).toContain(header);
  });

  it('gives no CORS headers to a preflight from an origin not listed', async () => {
    const response = await preflight(
      t.url,
      '/api/v1/memories',
      REFUSED,
      'POST',
      'authorization,content-type',
    );
    // Without Access-Control-Allow-Origin the browser refuses, whatever else is said.
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets a listed origin read answers, errors and the request id', async () => {
    const ok = await request(t.url).get('/api/v1/memories').set(bearer(key)).set('Origin', ALLOWED);
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(ok.headers['access-control-expose-headers']).toMatch(/X-Request-Id/i);
    const refused = await request(t.url).get('/api/v1/memories').set('Origin', ALLOWED);
    expectApiError(refused, 401, 'AUTH_ERROR');
    expect(refused.headers['access-control-allow-origin']).toBe(ALLOWED);
    const other = await request(t.url)
      .get('/api/v1/memories')
      .set(bearer(key))
      .set('Origin', REFUSED);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets a listed origin get a ticket and open the stream with it, as EventSource does', async () => {
    const ticket = await request(t.url)
      .post('/api/v1/stream/tickets')
      .set(bearer(key))
      .set('Origin', ALLOWED)
      .expect(201);
    expect(ticket.headers['access-control-allow-origin']).toBe(ALLOWED);
    const stream = await openStream(
      `${t.url}/api/v1/stream?ticket=${encodeURIComponent(ticket.body.ticket)}`,
      { headers: { Origin: ALLOWED } },
    );
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(stream.headers['access-control-allow-origin']).toBe(ALLOWED);
    } finally {
      stream.close();
    }
  });
});

describe('CORS by default (CORS_ORIGINS unset)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('allows no other origin: preflights and answers carry no CORS headers', async () => {
    const response = await preflight(t.url, '/api/v1/memories', ALLOWED, 'POST', 'authorization');
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    const answer = await request(t.url).get('/health/live').set('Origin', ALLOWED);
    expect(answer.status).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
  });
});
