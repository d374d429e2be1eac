import SwaggerParser from '@apidevtools/swagger-parser';
import request from 'supertest';
import { EVENT_TYPES } from '../src/events/event-map';
import { startTestApp, TestApp } from './support/test-app';

interface Operation {
  parameters?: Array<{ name: string; in: string; schema?: { type?: string } }>;
  responses: Record<
    string,
    { content?: Record<string, { schema?: Record<string, unknown> }>; headers?: object }
  >;
  security?: Array<Record<string, string[]>>;
}

/** Every operation of the document, as `METHOD path`. */
function operations(doc: { paths: Record<string, Record<string, Operation>> }) {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      name: `${method.toUpperCase()} ${path}`,
      path,
      operation,
    })),
  );
}

const ERROR_BODY = { $ref: '#/components/schemas/ErrorResponse' };

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
      'stream-ticket': { type: 'apiKey', in: 'query', name: 'ticket' },
    });
    // Keys are opaque strings, not JWTs: a generator must not try to decode them.
    expect(doc.components.securitySchemes.bearer.bearerFormat).toBeUndefined();
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

  describe('for client generators', () => {
    let doc: Parameters<typeof operations>[0] & {
      components: { schemas: Record<string, { required?: string[]; properties: object }> };
    };
    beforeAll(async () => {
      doc = (await request(t.url).get('/api/docs-json').expect(200)).body;
    });

    it('is a valid OpenAPI document', async () => {
      await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
    });

    it('gives every parameter of every operation a typed schema', () => {
      const untyped = operations(doc).flatMap(({ name, operation }) =>
        (operation.parameters ?? [])
          .filter((parameter) => typeof parameter.schema?.type !== 'string')
          .map((parameter) => `${name} ${parameter.in}:${parameter.name}`),
      );
      expect(untyped).toEqual([]);
    });

    it('declares 401 and 403 with the error body on every operation that needs a key', () => {
      const keyed = operations(doc).filter(({ path }) => path.startsWith('/api/v1/'));
      expect(keyed.length).toBeGreaterThanOrEqual(9);
      for (const { name, operation } of keyed) {
        for (const status of ['401', '403']) {
          expect({
            name,
            status,
            body: operation.responses[status]?.content?.['application/json'],
          }).toEqual({ name, status, body: { schema: ERROR_BODY } });
        }
      }
    });

    it('gives every declared error response the one error body', () => {
      const errors = operations(doc).flatMap(({ name, operation }) =>
        Object.entries(operation.responses)
          .filter(([status]) => Number(status) >= 400)
          .map(([status, response]) => ({
            name,
            status,
            schema: response.content?.['application/json']?.schema,
          })),
      );
      expect(errors.length).toBeGreaterThan(20);
      expect(errors.filter((error) => error.schema?.$ref !== ERROR_BODY.$ref)).toEqual([]);
      expect(doc.components.schemas.ErrorResponse.required?.sort()).toEqual([
        'code',
        'message',
        'request_id',
      ]);
    });

    it('describes the error body the server really sends', async () => {
      const response = await request(t.url).get('/api/v1/memories').expect(401);
      const { properties, required } = doc.components.schemas.ErrorResponse;
      expect(Object.keys(response.body).every((field) => field in properties)).toBe(true);
      expect(required?.every((field) => field in response.body)).toBe(true);
    });

    it('declares bad input and missing memories where they can happen', () => {
      const responses = (path: string, method: string) =>
        Object.keys(doc.paths[path][method].responses);
      expect(responses('/api/v1/memories', 'post')).toEqual(
        expect.arrayContaining(['400', '413', '415']),
      );
      expect(responses('/api/v1/memories/{id}', 'patch')).toEqual(
        expect.arrayContaining(['400', '404', '413', '415']),
      );
      expect(responses('/api/v1/memories/{id}', 'get')).toContain('404');
      expect(responses('/api/v1/memories/{id}', 'delete')).toContain('404');
      expect(responses('/api/v1/memories/search', 'post')).toContain('400');
    });

    describe('the stream', () => {
      const stream = () => doc.paths['/api/v1/stream'].get;

      it('answers 200 with text/event-stream, and nothing else', () => {
        expect(Object.keys(stream().responses['200'].content ?? {})).toEqual(['text/event-stream']);
      });

      it('types its query: event names, filter pairs, a bounded heartbeat, a resume id', () => {
        const byName = Object.fromEntries(
          (stream().parameters ?? []).map((parameter) => [parameter.name, parameter]),
        );
        expect(byName.events).toMatchObject({
          in: 'query',
          schema: { type: 'array', items: { type: 'string', enum: [...EVENT_TYPES] } },
        });
        expect(byName.filters).toMatchObject({
          in: 'query',
          style: 'deepObject',
          schema: { type: 'object' },
        });
        expect(byName.heartbeat).toMatchObject({
          in: 'query',
          schema: { type: 'integer', maximum: 300, default: 30 },
        });
        expect(byName.last_event_id).toMatchObject({ in: 'query', schema: { type: 'string' } });
        expect(byName['Last-Event-ID']).toMatchObject({ in: 'header' });
      });

      it('takes a key in either header or a ticket', () => {
        expect(stream().security).toEqual(
          expect.arrayContaining([{ bearer: [] }, { 'api-key': [] }, { 'stream-ticket': [] }]),
        );
      });

      it('declares its refusals, as JSON or as an SSE error event, with Retry-After on 429', () => {
        const { responses } = stream();
        expect(Object.keys(responses)).toEqual(
          expect.arrayContaining(['400', '401', '403', '406', '429', '503']),
        );
        expect(Object.keys(responses['429'].content ?? {}).sort()).toEqual([
          'application/json',
          'text/event-stream',
        ]);
        expect(responses['429'].headers).toHaveProperty('Retry-After');
      });
    });
  });
});
