import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { assignRequestId } from './request-id';

/** How each path answers once the id is assigned: every form `writeHead` takes, and `end` alone. */
const ANSWERS: Record<string, (response: ServerResponse) => void> = {
  '/end': (response) => response.end('ok'),
  '/set-header': (response) => {
    response.setHeader('Content-Type', 'text/plain');
    response.end('ok');
  },
  '/status': (response) => response.writeHead(204).end(),
  '/object': (response) => response.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok'),
  '/message': (response) => response.writeHead(200, 'Fine', { 'X-Other': '1' }).end('ok'),
  '/array': (response) => response.writeHead(200, ['X-Other', '1']).end('ok'),
  '/own-id': (response) => response.writeHead(200, { 'x-request-id': 'chosen' }).end('ok'),
};

describe('assignRequestId', () => {
  let server: Server;
  let base: string;
  let headerNamesKept: (() => string[]) | undefined;

  beforeAll(async () => {
    server = createServer((request: IncomingMessage, response: ServerResponse) => {
      assignRequestId(request, response);
      ANSWERS[request.url ?? '']?.(response);
      headerNamesKept = () => response.getHeaderNames();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it.each(Object.keys(ANSWERS).filter((path) => path !== '/own-id'))(
    'echoes the incoming id on an answer written by %s',
    async (path) => {
      const response = await fetch(`${base}${path}`, { headers: { 'X-Request-Id': 'trace-1' } });
      expect(response.headers.get('x-request-id')).toBe('trace-1');
      expect(response.status).toBe(path === '/status' ? 204 : 200);
    },
  );

  it('keeps the headers the answer gives along with the id', async () => {
    const response = await fetch(`${base}/message`, { headers: { 'X-Request-Id': 'trace-2' } });
    expect(response.statusText).toBe('Fine');
    expect(response.headers.get('x-other')).toBe('1');
    expect(response.headers.get('x-request-id')).toBe('trace-2');
  });

  it('leaves an id the answer chose itself', async () => {
    const response = await fetch(`${base}/own-id`, { headers: { 'X-Request-Id': 'trace-3' } });
    expect(response.headers.get('x-request-id')).toBe('chosen');
  });

  it('makes one up for a request without a usable id', async () => {
    const response = await fetch(`${base}/end`, { headers: { 'X-Request-Id': 'not ok!' } });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps no header table for an answer whose headers go out in one writeHead', async () => {
    await (await fetch(`${base}/object`)).text();
    // Node keeps headers given to writeHead only when one was set before: none was.
    expect(headerNamesKept?.()).toEqual([]);
  });
});
