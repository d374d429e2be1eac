import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { bearer, expectApiError, ErrorBody } from './support/http';
import { openStream } from './support/sse-client';
import { startTestApp, TestApp } from './support/test-app';

/** `{"a":` ... `}` nested `levels` objects deep around `inner`. */
const nestedObjects = (levels: number, inner = '1') =>
  `${'{"a":'.repeat(levels)}${inner}${'}'.repeat(levels)}`;
const nestedArrays = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

/** Raw JSON bodies for POST /memories that must be refused with 400, by class. */
const BAD_MEMORY_BODIES: Array<[string, string]> = [
  // Not an object, though valid JSON.
  ['a body of null', 'null'],
  ['a body that is a number', '5'],
  ['a body that is a string', '"content"'],
  ['a body that is true', 'true'],
  ['a body that is an empty array', '[]'],
  ['a body that is an array of memories', '[{"content":"x"}]'],
  // Deeper than 32 levels, the body counting as one.
  ['metadata 32 levels deep (33 with the body)', `{"content":"x","metadata":${nestedObjects(32)}}`],
  ['metadata 100 levels deep', `{"content":"x","metadata":${nestedObjects(100)}}`],
  ['metadata 1,000 levels deep', `{"content":"x","metadata":${nestedObjects(1000)}}`],
  ['metadata 3,000 levels deep', `{"content":"x","metadata":${nestedObjects(3000)}}`],
  ['metadata 100,000 levels deep', `{"content":"x","metadata":${nestedObjects(100_000)}}`],
  [
    'arrays 5,000 levels deep in metadata',
    `{"content":"x","metadata":{"a":${nestedArrays(5000)}}}`,
  ],
  ['arrays 5,000 levels deep as content', `{"content":${nestedArrays(5000)}}`],
  [
    'objects 5,000 levels deep in an unknown field',
    `{"content":"x","extra":${nestedObjects(5000)}}`,
  ],
  ['objects 5,000 levels deep as tags', `{"content":"x","tags":[${nestedObjects(5000)}]}`],
  // More than 10,000 values in all: validating them would hold the event loop.
  ['200,000 numbers in an unknown field', `{"content":"x","extra":[${'0,'.repeat(199_999)}0]}`],
  [
    '10,001 keys at the top',
    `{"content":"x",${Array.from({ length: 10_001 }, (_, i) => `"k${i}":1`).join(',')}}`,
  ],
  ['12,000 strings in metadata', `{"content":"x","metadata":{"a":[${'"",'.repeat(11_999)}""]}}`],
  // NUL, which PostgreSQL cannot store in text or jsonb.
  ['NUL in content', '{"content":"a\\u0000b"}'],
  ['NUL alone as content', '{"content":"\\u0000"}'],
  ['NUL in the title', '{"content":"x","title":"t\\u0000"}'],
  ['NUL in a tag', '{"content":"x","tags":["ok","t\\u0000"]}'],
  ['NUL in a metadata value', '{"content":"x","metadata":{"k":"v\\u0000"}}'],
  ['NUL in a nested metadata value', '{"content":"x","metadata":{"k":[{"j":"\\u0000"}]}}'],
  ['NUL in a metadata key', '{"content":"x","metadata":{"k\\u0000":"v"}}'],
  ['NUL in a top-level key', '{"content":"x","\\u0000":"v"}'],
  ['NUL in memory_type', '{"content":"x","memory_type":"context\\u0000"}'],
  // Unpaired UTF-16 surrogates, which no UTF-8 store keeps.
  ['a lone high surrogate in content', '{"content":"a\\ud800b"}'],
  ['a lone low surrogate in content', '{"content":"a\\udc00b"}'],
  ['a high surrogate ending content', '{"content":"abc\\ud83d"}'],
  ['a low surrogate starting content', '{"content":"\\ude00abc"}'],
  ['surrogates in the wrong order', '{"content":"\\ude00\\ud83d"}'],
  ['two high surrogates', '{"content":"\\ud83d\\ud83d"}'],
  ['a lone surrogate in the title', '{"content":"x","title":"\\udbff"}'],
  ['a lone surrogate in a tag', '{"content":"x","tags":["\\ud800"]}'],
  ['a lone surrogate in a metadata value', '{"content":"x","metadata":{"k":"\\udfff"}}'],
  ['a lone surrogate in a metadata key', '{"content":"x","metadata":{"\\ud800":1}}'],
  ['a lone surrogate deep in metadata', '{"content":"x","metadata":{"a":{"b":["\\udc01"]}}}'],
  // Numbers that are not finite once parsed, or not exact.
  ['1e400 in metadata', '{"content":"x","metadata":{"n":1e400}}'],
  ['-1e400 in metadata', '{"content":"x","metadata":{"n":-1e400}}'],
  ['1e309 nested in metadata', '{"content":"x","metadata":{"a":[1,{"b":1e309}]}}'],
  ['2^53 + 1 in metadata', '{"content":"x","metadata":{"n":9007199254740993}}'],
  ['-(2^53 + 1) in metadata', '{"content":"x","metadata":{"n":-9007199254740993}}'],
  ['2^53 in metadata', '{"content":"x","metadata":{"n":9007199254740992}}'],
  ['1e20 in metadata', '{"content":"x","metadata":{"n":1e20}}'],
  [
    'a 30-digit integer in metadata',
    '{"content":"x","metadata":{"n":123456789012345678901234567890}}',
  ],
  ['1e400 as content', '{"content":1e400}'],
];

/** Content-Encoding headers with bodies that do not decompress as they say. */
const json = Buffer.from('{"content":"compressed memory body"}');
const BAD_ENCODINGS: Array<[string, string, Buffer, number]> = [
  ['gzip, not compressed', 'gzip', json, 400],
  ['gzip, truncated', 'gzip', gzipSync(json).subarray(0, 12), 400],
  ['gzip, cut before the trailer', 'gzip', gzipSync(json).subarray(0, -4), 400],
  ['gzip of random bytes', 'gzip', Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8]), 400],
  ['br, not compressed', 'br', json, 400],
  ['br, truncated', 'br', brotliCompressSync(json).subarray(0, 5), 400],
  ['deflate, not compressed', 'deflate', json, 400],
  ['deflate, truncated', 'deflate', deflateSync(json).subarray(0, 6), 400],
  ['GZIP in capitals, not compressed', 'GZIP', json, 400],
  ['an unknown encoding', 'x-unknown', json, 415],
  ['compress (LZW), which is not supported', 'compress', json, 415],
  ['two encodings', 'gzip, br', brotliCompressSync(gzipSync(json)), 415],
];

/** List queries out of range or not plain whole numbers. */
const BAD_LIST_QUERIES = [
  'page=99999999999999999999',
  'page=1e308',
  'page=1e3',
  'page=0x10',
  'page=Infinity',
  'page=NaN',
  'page=-1',
  'page=0',
  'page=1.5',
  'page=1000001',
  'page=9007199254740993',
  'page=',
  'page=%201',
  'page=1&page=2',
  'limit=1e1',
  'limit=-5',
  'limit=0',
  'limit=101',
  'limit=99999999999999999999',
  'limit=1e308',
  'limit=ten',
];

describe('bad input: every class answers 4xx with the one error body', () => {
  let t: TestApp;
  let key: string;
  let memoryId: string;
  let authorization: Record<string, string>;

  const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(`${t.url}${path}`, {
      method: 'POST',
      headers: { ...authorization, 'Content-Type': 'application/json', ...headers },
      body,
    });

  /** A fetch Response checked with the supertest-shaped expectApiError. */
  async function expectError(response: Response, status: number, code?: string) {
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`Not a JSON error body (${response.status}): ${text.slice(0, 200)}`);
    }
    const adapted = {
      status: response.status,
      body,
      headers: { 'x-request-id': response.headers.get('x-request-id') },
    };
    const actualCode = (body as ErrorBody).code;
    return expectApiError(adapted as never, status, code ?? actualCode);
  }

  beforeAll(async () => {
    t = await startTestApp();
    key = await t.createKey('acme', 'alice');
    authorization = bearer(key);
    const created = await post('/api/v1/memories', JSON.stringify({ content: 'the one memory' }));
    expect(created.status).toBe(201);
    memoryId = ((await created.json()) as { id: string }).id;
  });
  afterAll(() => t.close());

  describe('POST /memories bodies', () => {
    it.each(BAD_MEMORY_BODIES)('refuses %s with 400', async (_, body) => {
      await expectError(await post('/api/v1/memories', body), 400, 'VALIDATION_ERROR');
    });

    it('says that a body of null is valid JSON but must be an object', async () => {
      const body = await expectError(await post('/api/v1/memories', 'null'), 400);
      expect(body.message).toBe('The request body must be a JSON object ({...}), not null');
    });

    it('gives the first rule each field breaks, one message per field', async () => {
      const body = await expectError(
        await post('/api/v1/memories', '{"content":5,"tags":"x","title":7}'),
        400,
      );
      expect(body.message).toBe(
        'title must be a string; content must be a string; tags must be an array',
      );
    });

    it('names ten unknown fields in the message and counts the rest', async () => {
      const extra = Array.from({ length: 50 }, (_, i) => `"x${i}":1`).join(',');
      const body = await expectError(
        await post('/api/v1/memories', `{"content":"y",${extra}}`),
        400,
      );
      expect(body.message.split('; ')).toHaveLength(11);
      expect(body.message).toMatch(/; and 40 more \(see details\)$/);
      expect(body.details).toHaveLength(50);
    });

    it('names the field and the limit of 32 levels when nesting is too deep', async () => {
      const body = await expectError(
        await post('/api/v1/memories', `{"content":"x","metadata":${nestedObjects(3000)}}`),
        400,
      );
      expect(body.message).toMatch(/^metadata nests deeper than 32 levels/);
    });

    it('names the field holding a NUL, an unpaired surrogate or an inexact number', async () => {
      const nul = await post('/api/v1/memories', '{"content":"x","metadata":{"a":["\\u0000"]}}');
      expect((await expectError(nul, 400)).message).toMatch(/^metadata\.a\[0\] .*NUL/);
      const lone = await post('/api/v1/memories', '{"content":"x","title":"\\ud800"}');
      expect((await expectError(lone, 400)).message).toMatch(/^title .*surrogate/);
      const big = await post('/api/v1/memories', '{"content":"x","metadata":{"n":1e400}}');
      expect((await expectError(big, 400)).message).toMatch(/^metadata\.n .*9007199254740991/);
    });

    it.each(BAD_MEMORY_BODIES.filter(([name]) => !name.startsWith('a body')))(
      'refuses %s in a PATCH too',
      async (_, body) => {
        const response = await fetch(`${t.url}/api/v1/memories/${memoryId}`, {
          method: 'PATCH',
          headers: { ...authorization, 'Content-Type': 'application/json' },
          body: body.replace('{"content":', '{"memory_type":"project","content":'),
        });
        await expectError(response, 400, 'VALIDATION_ERROR');
      },
    );
  });

  describe('POST /memories/search bodies', () => {
    it.each([
      ['a query holding NUL', '{"query":"a\\u0000b"}'],
      ['a query holding a lone surrogate', '{"query":"a\\ud800"}'],
      ['a filter value holding NUL', '{"query":"x","filters":{"k":"\\u0000"}}'],
      ['a filter key holding NUL', '{"query":"x","filters":{"\\u0000":"v"}}'],
      ['a filter value of 1e400', '{"query":"x","filters":{"k":1e400}}'],
      ['a filter value of 2^53 + 1', '{"query":"x","filters":{"k":9007199254740993}}'],
      ['a limit of 1e400', '{"query":"x","limit":1e400}'],
      ['a threshold of -1e400', '{"query":"x","threshold":-1e400}'],
      ['filters 3,000 levels deep', `{"query":"x","filters":${nestedObjects(3000)}}`],
      ['a tag holding NUL', '{"query":"x","tags":["\\u0000"]}'],
      ['a body of null', 'null'],
      ['a body that is an array', '["x"]'],
    ])('refuses %s with 400', async (_, body) => {
      await expectError(await post('/api/v1/memories/search', body), 400, 'VALIDATION_ERROR');
    });
  });

  describe('Content-Encoding', () => {
    it.each(BAD_ENCODINGS)('refuses %s', async (_, encoding, body, status) => {
      const response = await post('/api/v1/memories', body, { 'Content-Encoding': encoding });
      const error = await expectError(response, status);
      expect(error.message).toMatch(status === 415 ? /not supported.*gzip/ : /Content-Encoding/);
    });

    it.each([
      ['truncated JSON', gzipSync('{"content": ')],
      ['gzip applied twice', gzipSync(gzipSync(json))],
    ])('refuses a whole gzip body holding %s as not JSON', async (_, body) => {
      const response = await post('/api/v1/memories', body, { 'Content-Encoding': 'gzip' });
      await expectError(response, 400, 'INVALID_JSON');
    });

    it('refuses a small gzip body that inflates past the size limit with 413', async () => {
      const bomb = gzipSync(`{"content":"${' '.repeat(20 * 1024 * 1024)}"}`);
      expect(bomb.length).toBeLessThan(100 * 1024);
      const response = await post('/api/v1/memories', bomb, { 'Content-Encoding': 'gzip' });
      await expectError(response, 413, 'PAYLOAD_TOO_LARGE');
    });

    it('applies the nesting limit to what a compressed body holds', async () => {
      const deep = gzipSync(`{"content":"x","metadata":${nestedObjects(3000)}}`);
      const response = await post('/api/v1/memories', deep, { 'Content-Encoding': 'gzip' });
      await expectError(response, 400, 'VALIDATION_ERROR');
    });

    it.each([
      ['gzip', gzipSync],
      ['br', brotliCompressSync],
      ['deflate', deflateSync],
    ])('accepts a whole %s body', async (encoding, compress) => {
      const response = await post('/api/v1/memories', compress(json), {
        'Content-Encoding': encoding,
      });
      expect(response.status).toBe(201);
      expect(((await response.json()) as { content: string }).content).toBe(
        'compressed memory body',
      );
    });
  });

  describe('URL path segments and query parameters', () => {
    const call = (method: string, path: string) =>
      fetch(`${t.url}${path}`, { method, headers: authorization });

    it.each([
      ['GET', '/api/v1/memories/%00'],
      ['PATCH', '/api/v1/memories/%00'],
      ['DELETE', '/api/v1/memories/%00'],
      ['GET', '/api/v1/memories/mem_%00'],
      ['GET', '/api/v1/memories/%00%00%00'],
      ['GET', '/api/v1/memories/%E0'],
      ['GET', '/api/v1/memories/%ED%A0%80'],
      ['GET', '/api/v1/memories/%ED%B0%80x'],
      ['GET', '/api/v1/memories/%C0%80'],
      ['GET', '/api/v1/memories/%FF'],
      ['GET', '/api/v1/%00/memories'],
      ['GET', '/api/v1/memories?tags=%00'],
      ['GET', '/api/v1/memories?tags=a,%00'],
      ['GET', '/api/v1/memories?tags=a&tags=b%00'],
      ['GET', '/api/v1/memories?created_by=%00'],
      ['GET', '/api/v1/memories?cursor=%00'],
      ['GET', '/api/v1/memories?memory_type=%00'],
      ['GET', '/api/v1/memories?%00=1'],
      ['DELETE', `/api/v1/memories/mem_0000000000000000?reason=a%00`],
      ['GET', '/health?%00'],
    ])('refuses %s %s with 400', async (method, path) => {
      await expectError(await call(method, path), 400, 'VALIDATION_ERROR');
    });

    it('leaves the memory in place after DELETE /memories/%00', async () => {
      await expectError(await call('DELETE', '/api/v1/memories/%00'), 400);
      expect((await call('GET', `/api/v1/memories/${memoryId}`)).status).toBe(200);
    });

    it.each([
      ['last_event_id holding NUL', '?last_event_id=%00'],
      ['a bracket filter holding NUL', '?filters[user_id]=%00'],
      ['a JSON filter holding \\u0000', `?filters=${encodeURIComponent('{"user_id":"\\u0000"}')}`],
      ['an event type holding NUL', '?events=memory.created%00'],
      ['a ticket holding NUL', '?ticket=%00'],
      ['a heartbeat holding NUL', '?heartbeat=30%00'],
      [
        'JSON filters nested 1,500 arrays deep',
        `?filters=${encodeURIComponent(`{"a":${'['.repeat(1500)}${']'.repeat(1500)}}`)}`,
      ],
      [
        'JSON filters nested 500 objects deep',
        `?filters=${encodeURIComponent(`{"a":${'{"b":'.repeat(500)}1${'}'.repeat(500)}}`)}`,
      ],
    ])('refuses %s with 400 before the stream opens', async (_, query) => {
      const stream = await openStream(`${t.url}/api/v1/stream${query}`, {
        headers: authorization,
        headersOnly: true,
      });
      stream.close();
      expect(stream.status).toBe(400);
    });
  });

  describe('page and limit', () => {
    it.each(BAD_LIST_QUERIES)('refuses %s with 400 naming the field', async (query) => {
      const field = query.split('=')[0];
      const body = await expectError(
        await fetch(`${t.url}/api/v1/memories?${query}`, { headers: authorization }),
        400,
        'VALIDATION_ERROR',
      );
      expect(body.message).toMatch(new RegExp(`^${field} must be a whole number from 1 to \\d+$`));
    });

    it('accepts the last page allowed and the largest limit', async () => {
      const response = await fetch(`${t.url}/api/v1/memories?page=1000000&limit=100`, {
        headers: authorization,
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { data: unknown[] }).data).toEqual([]);
    });
  });

  describe('headers and URLs over 16 KB', () => {
    /** A raw request, read to its end: Node answers these before Express sees them. */
    function rawRequest(path: string, headers: Record<string, string>) {
      return new Promise<{ status: number; body: string; requestId?: string }>(
        (resolve, reject) => {
          const req = httpRequest(`${t.url}${path}`, { headers });
          req.on('error', reject);
          req.on('response', (res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => (body += chunk.toString()));
            res.on('end', () =>
              resolve({
                status: res.statusCode!,
                body,
                requestId: res.headers['x-request-id'] as string | undefined,
              }),
            );
          });
          req.end();
        },
      );
    }

    it.each([
      ['one header of 17 KB', '/api/v1/memories', { 'X-Big': 'x'.repeat(17 * 1024) }],
      [
        'forty headers of 500 bytes',
        '/api/v1/memories',
        Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`X-H${i}`, 'y'.repeat(500)])),
      ],
      ['a URL of 17 KB', `/api/v1/memories?tags=${'t'.repeat(17 * 1024)}`, {}],
      ['a path of 20 KB', `/api/v1/memories/${'m'.repeat(20 * 1024)}`, {}],
      ['a stream URL of 17 KB', `/api/v1/stream?events=${'e'.repeat(17 * 1024)}`, {}],
    ])('answers %s with 431 and the error body', async (_, path, headers) => {
      const response = await rawRequest(path, { ...authorization, ...headers });
      expect(response.status).toBe(431);
      const body = JSON.parse(response.body) as ErrorBody;
      expect(body).toEqual({
        code: 'HEADERS_TOO_LARGE',
        message: expect.stringMatching(/16 KB/),
        request_id: response.requestId,
      });
    });

    it('answers malformed HTTP with 400 and the error body', async () => {
      const reply = await new Promise<string>((resolve, reject) => {
        const url = new URL(t.url);
        const socket = connect(Number(url.port), url.hostname, () =>
          socket.write('GET /api/v1/memories HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'),
        );
        let text = '';
        socket.on('data', (chunk) => (text += chunk.toString()));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(reply).toMatch(/^HTTP\/1\.1 400 /);
      expect(JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4))).toMatchObject({
        code: 'VALIDATION_ERROR',
        message: expect.stringMatching(/HTTP/),
      });
    });
  });

  describe('afterwards', () => {
    it('stored nothing that was refused, and every read and search of the organization answers', async () => {
      const list = await fetch(`${t.url}/api/v1/memories?limit=100`, { headers: authorization });
      expect(list.status).toBe(200);
      const contents = ((await list.json()) as { data: Array<{ content: string }> }).data.map(
        (memory) => memory.content,
      );
      expect(contents.filter((content) => content !== 'compressed memory body')).toEqual([
        'the one memory',
      ]);
      const search = await post(
        '/api/v1/memories/search',
        JSON.stringify({ query: 'memory', filters: { a: 1 } }),
      );
      expect(search.status).toBe(200);
    });
  });
});
