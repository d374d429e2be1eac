import request from 'supertest';
import { startTestApp, TestApp } from './support/test-app';

describe('OpenAPI documentation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('serves the OpenAPI document as JSON at /api/docs-json without a key', async () => {
    const response = await request(t.url)
      .get('/api/docs-json')
      .expect(200)
      .expect('Content-Type', /application\/json/);
    expect(response.body.openapi).toMatch(/^3\./);
    expect(response.body.info).toMatchObject({ title: 'mnemo' });
  });

  it('documents every memory operation under /api/v1', async () => {
    const { paths } = (await request(t.url).get('/api/docs-json').expect(200)).body;
    expect(Object.keys(paths['/api/v1/memories']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(paths['/api/v1/memories/{id}']).sort()).toEqual(['delete', 'get', 'patch']);
    expect(Object.keys(paths['/api/v1/memories/{id}'].delete.responses)).toContain('204');
    expect(Object.keys(paths['/api/v1/memories'].post.responses)).toContain('201');
  });

  it('declares both ways to send a key and requires one on memory operations', async () => {
    const doc = (await request(t.url).get('/api/docs-json').expect(200)).body;
    expect(doc.components.securitySchemes).toMatchObject({
      bearer: { type: 'http', scheme: 'bearer' },
      'api-key': { type: 'apiKey', in: 'header', name: 'X-API-Key' },
    });
    expect(doc.paths['/api/v1/memories'].post.security).toEqual(
      expect.arrayContaining([{ bearer: [] }, { 'api-key': [] }]),
    );
  });

  it('describes the create body with content required and the memory types', async () => {
    const { schemas } = (await request(t.url).get('/api/docs-json').expect(200)).body.components;
    expect(schemas.CreateMemoryDto.required).toEqual(['content']);
    expect(schemas.CreateMemoryDto.properties.memory_type.enum).toEqual([
      'context',
      'project',
      'knowledge',
      'reference',
      'personal',
      'workflow',
    ]);
    expect(schemas.CreateMemoryDto.properties.content.maxLength).toBe(50_000);
  });

  it('serves the Swagger UI as HTML at /api/docs without a key', async () => {
    const response = await request(t.url)
      .get('/api/docs')
      .redirects(1)
      .expect(200)
      .expect('Content-Type', /text\/html/);
    expect(response.text).toMatch(/swagger-ui/i);
  });

  it('serves every script the UI page loads, with the memory API wired in', async () => {
    const page = await request(t.url).get('/api/docs').expect(200);
    const scripts = [...page.text.matchAll(/<script src="([^"]+)"/g)].map((match) => match[1]);
    expect(scripts.length).toBeGreaterThan(0);
    const bodies = await Promise.all(
      scripts.map(async (src) => {
        const path = new URL(src, `${t.url}/api/docs`).pathname;
        const response = await request(t.url)
          .get(path)
          .expect(200)
          .expect('Content-Type', /javascript/);
        return response.text;
      }),
    );
    expect(bodies.some((body) => body.includes('/api/v1/memories'))).toBe(true);
  });
});
