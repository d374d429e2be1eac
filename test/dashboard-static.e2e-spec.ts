import request from 'supertest';
import { startTestApp, TestApp } from './support/test-app';

describe('the dashboard is served beside the API', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('serves the page at / and its scripts and styles, without a build step', async () => {
    const page = await request(t.url).get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('<script type="module" src="dashboard.js">');
    for (const [path, type] of [
      ['/dashboard.js', /javascript/],
      ['/live-stream.js', /javascript/],
      ['/event-chart.js', /javascript/],
      ['/dashboard.css', /^text\/css/],
      ['/favicon.ico', /^image\/svg\+xml/],
    ] as const) {
      const response = await request(t.url).get(path);
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
      expect(response.headers['content-type']).toMatch(type);
    }
  });

  it('serves the libraries the page imports from their npm packages, and nothing else of them', async () => {
    const chart = await request(t.url).get('/vendor/uplot.esm.js').expect(200);
    expect(chart.headers['content-type']).toMatch(/javascript/);
    expect(chart.text).toContain('export { uPlot as default }');
    await request(t.url)
      .get('/vendor/uplot.min.css')
      .expect(200)
      .expect('Content-Type', /^text\/css/);
    const parser = await request(t.url).get('/vendor/eventsource-parser.js').expect(200);
    expect(parser.text).toContain('createParser');
    await request(t.url).get('/vendor/uPlot.iife.js').expect(404);
    await request(t.url).get('/vendor/../package.json').expect(404);
  });

  it('shadows none of the API, the probes or the metrics', async () => {
    expect((await request(t.url).get('/api/v1/memories')).body.code).toBe('AUTH_ERROR');
    expect((await request(t.url).get('/health/live')).status).toBe(200);
    expect((await request(t.url).get('/metrics')).text).toContain('mnemo_');
    const unknown = await request(t.url).get('/no-such-page');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('NOT_FOUND');
  });
});
