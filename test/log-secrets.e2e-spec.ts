import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateApiKey } from '../src/auth/api-key.format';
import { Instance, startInstance } from './support/instance';
import { createKeyIn } from './support/processes';
import { openStream } from './support/sse-client';
import { waitUntil } from './support/waits';

// The service runs as its own process, compiled on the fly.
jest.setTimeout(60_000);

interface Planted {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

const everyCharEncoded = (text: string) =>
  [...text].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).join('');

/** The text with percent-encoding undone, as often as it was applied. */
function percentDecoded(text: string): string {
  let decoded = text;
  for (let round = 0; round < 3; round += 1) {
    decoded = decoded.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
      String.fromCharCode(parseInt(hex, 16)),
    );
  }
  return decoded;
}

describe('no key or ticket in the logs, wherever a client puts it', () => {
  let dir: string;
  let instance: Instance;
  let key: string;
  let n = 0;

  /** Sends one raw request with its own X-Request-Id (unless planted there); resolves with its status. */
  function send({ method = 'GET', path, headers = {}, body }: Planted): Promise<number> {
    n += 1;
    return new Promise((resolve, reject) => {
      const req = httpRequest(`${instance.url}${path}`, {
        method,
        headers: { 'X-Request-Id': `plant-${n}`, ...headers },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      });
      req.end(body);
    });
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mnemo-log-secrets-'));
    const databaseUrl = `sqlite:${join(dir, 'logs.db')}`;
    key = await createKeyIn(databaseUrl);
    instance = await startInstance({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'trace' });
  });
  afterAll(async () => {
    await instance?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs every request, with neither the keys nor the tickets planted in it', async () => {
    const unknownKey = generateApiKey().key;
    const tickets: string[] = [];
    const issueTicket = async () => {
      const response = await fetch(`${instance.url}/api/v1/stream/tickets`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}` },
      });
      const { ticket } = (await response.json()) as { ticket: string };
      tickets.push(ticket);
      return ticket;
    };
    const json = { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` };

    const planted: Planted[] = [];
    for (const secret of [key, unknownKey, await issueTicket()]) {
      const encoded = everyCharEncoded(secret);
      planted.push(
        // Where keys belong.
        { path: '/api/v1/memories', headers: { Authorization: `Bearer ${secret}` } },
        { path: '/api/v1/memories', headers: { 'X-API-Key': secret } },
        { path: '/api/v1/memories', headers: { Authorization: `Token ${secret}` } },
        { path: '/api/v1/memories', headers: { Authorization: `Basic ${secret}` } },
        // Query parameters, by name and not.
        ...[
          'access_token',
          'apikey',
          'api_key',
          'Authorization',
          'token',
          'key',
          'q',
          'ticket',
        ].map((name) => ({ path: `/api/v1/memories?${name}=${secret}`, headers: json })),
        { path: `/api/v1/stream?ticket=${secret}&events=memory.created` },
        { path: `/api/v1/memories?tags=${encoded}`, headers: json },
        { path: `/api/v1/stream?events=${secret}`, headers: json },
        // Path segments, plain and percent-encoded, under the API and not.
        { path: `/api/v1/memories/${secret}`, headers: json },
        { method: 'DELETE', path: `/api/v1/memories/${secret}`, headers: json },
        { path: `/api/v1/memories/${encoded}`, headers: json },
        { path: `/api/v1/${secret}/x` },
        { path: `/${secret}` },
        { path: `/health/${encodeURIComponent(encoded)}` },
        // Other headers: their values and their names.
        { path: '/api/v1/memories', headers: { ...json, Referer: `https://app/?k=${secret}` } },
        { path: '/api/v1/memories', headers: { ...json, 'X-Custom-Token': secret } },
        { path: '/api/v1/memories', headers: { ...json, 'User-Agent': `agent ${secret}` } },
        { path: '/api/v1/memories', headers: { ...json, Cookie: `session=${secret}` } },
        { path: '/api/v1/memories', headers: { ...json, 'Proxy-Authorization': secret } },
        { path: '/api/v1/memories', headers: { ...json, 'X-Request-Id': secret } },
        { path: '/api/v1/memories', headers: { ...json, [secret]: 'x' } },
        // Bodies: accepted, refused by validation, not JSON, not parseable.
        {
          method: 'POST',
          path: '/api/v1/memories',
          headers: json,
          body: JSON.stringify({ title: secret, content: secret, metadata: { [secret]: secret } }),
        },
        {
          method: 'POST',
          path: '/api/v1/memories',
          headers: json,
          body: JSON.stringify({ content: 'x', [secret]: 1 }),
        },
        {
          method: 'POST',
          path: '/api/v1/memories/search',
          headers: json,
          body: JSON.stringify({ query: secret, filters: { [secret]: secret } }),
        },
        { method: 'POST', path: '/api/v1/memories', headers: json, body: `{"content": ${secret}` },
        {
          method: 'POST',
          path: '/api/v1/memories',
          headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'text/plain' },
          body: secret,
        },
        { method: 'PATCH', path: `/api/v1/memories/${secret}`, headers: json, body: '{}' },
      );
    }
    const statuses = [];
    for (const request of planted) statuses.push(await send(request));
    // The planted requests were refused and accepted both, so both paths were logged.
    expect(statuses).toEqual(expect.arrayContaining([200, 201, 400, 401, 404]));

    // A ticket redeemed on a stream, and again after it was spent.
    const ticket = await issueTicket();
    const stream = await openStream(`${instance.url}/api/v1/stream?ticket=${ticket}`);
    expect(stream.status).toBe(200);
    stream.close();
    const spent = await openStream(`${instance.url}/api/v1/stream?ticket=${ticket}`);
    expect(spent.status).toBe(401);

    // Every GET that Nest routed has its line by now (with its own request id, unless planted).
    const routed = planted
      .map((request, i) => ({ request, id: `plant-${i + 1}` }))
      .filter(({ request }) => !request.method && request.path.startsWith('/api/v1/'))
      .filter(({ request }) => !request.headers?.['X-Request-Id']);
    expect(routed.length).toBeGreaterThan(60);
    const logged = () => instance.output();
    await waitUntil(
      () => routed.every(({ id }) => logged().includes(`"${id}"`)),
      10_000,
      'a log line for every request routed',
    );
    expect(logged()).toContain('[REDACTED]');

    const output = logged();
    // A key sent as the request id is not taken as one: the id is on every line of the request.
    const echoed = await fetch(`${instance.url}/health/live`, { headers: { 'X-Request-Id': key } });
    expect(echoed.headers.get('x-request-id')).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));

    for (const secret of [key, unknownKey, ...tickets]) {
      // The secret part: after the key's id, or after the ticket's prefix.
      const material = secret.startsWith('tkt_') ? secret.slice(4) : secret.slice(23);
      expect(output).not.toContain(material);
      expect(percentDecoded(output)).not.toContain(material);
    }
  });
});
