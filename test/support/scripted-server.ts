import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ScriptedRequest {
  headers: IncomingMessage['headers'];
  url: string;
  /** Resolves when the client has dropped the connection. */
  closed: Promise<void>;
}

export interface ScriptedServer {
  url: string;
  requests: ScriptedRequest[];
  close(): Promise<void>;
}

/** What the n-th request (0-based) gets; it may leave the response open, writing nothing more. */
export type Script = (response: ServerResponse, n: number) => void;

/**
 * A bare node:http server that answers as scripted, for the misbehaviour the real service never
 * shows on purpose: going silent, refusing with Retry-After, closing with a retry_after.
 */
export async function startScriptedServer(script: Script): Promise<ScriptedServer> {
  const requests: ScriptedRequest[] = [];
  const server: Server = createServer((request, response) => {
    const closed = new Promise<void>((resolve) => response.once('close', () => resolve()));
    requests.push({ headers: request.headers, url: request.url ?? '', closed });
    script(response, requests.length - 1);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The first bytes a stream sends: a retry line and a heartbeat with `id`. */
export function openEventStream(
  response: ServerResponse,
  id: string,
  { retryMs = 50, intervalSeconds = 30 } = {},
): void {
  response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  const heartbeat = {
    timestamp: new Date().toISOString(),
    status: 'healthy',
    connection_id: `conn_${id}`,
    interval_seconds: intervalSeconds,
  };
  response.write(
    `retry: ${retryMs}\n\nevent: heartbeat\nid: ${id}\ndata: ${JSON.stringify(heartbeat)}\n\n`,
  );
}
