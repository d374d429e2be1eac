/**
 * The raw baseline: the SSE broadcaster a user would write by hand with node:http instead of
 * running the service. No framework, no auth, no storage: each created memory is serialized once
 * into one Buffer and written to every open stream. Run as its own process by the harness; it
 * prints `listening <port>` when ready.
 *
 *   GET  /stream?heartbeat=<s>   an SSE stream: `retry:`, a heartbeat at once and every <s> seconds
 *   POST /memories               JSON body; answers 201 after broadcasting `memory.created`
 *   GET  /health                 200
 */
import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';

const epoch = Date.now();
let sequence = 0;
const streams = new Set<ServerResponse>();

function frame(type: string, id: string, data: unknown): Buffer {
  return Buffer.from(`event: ${type}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`);
}

function openStream(response: ServerResponse, heartbeatSeconds: number): void {
  response.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache, no-transform',
    'X-Accel-Buffering': 'no',
  });
  // Same shape as the service: a per-connection id and timer, heartbeats carrying a resume point.
  const suffix = randomBytes(8).toString('hex');
  let count = 0;
  const heartbeat = () =>
    response.write(
      frame('heartbeat', `${epoch}-${sequence}~${suffix}.${++count}`, {
        timestamp: new Date().toISOString(),
        status: 'healthy',
        connection_id: `conn_${suffix}`,
      }),
    );
  response.write('retry: 3000\n\n');
  heartbeat();
  const timer = setInterval(heartbeat, heartbeatSeconds * 1000);
  streams.add(response);
  response.on('close', () => {
    clearInterval(timer);
    streams.delete(response);
  });
}

function createMemory(request: IncomingMessage, response: ServerResponse): void {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      response.writeHead(400).end();
      return;
    }
    sequence += 1;
    const now = new Date().toISOString();
    const memory = {
      id: `mem_${sequence.toString(16).padStart(16, '0')}`,
      title: body.title ?? null,
      content: body.content,
      memory_type: body.memory_type ?? 'context',
      metadata: body.metadata ?? {},
      tags: body.tags ?? [],
      created_at: now,
      created_by: 'bench',
    };
    const bytes = frame('memory.created', `${epoch}-${sequence}`, memory);
    for (const stream of streams) stream.write(bytes);
    const json = JSON.stringify({ ...memory, organization_id: 'bench', updated_at: now });
    response
      .writeHead(201, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(json),
      })
      .end(json);
  });
}

const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (request.method === 'GET' && url.pathname === '/stream') {
    openStream(response, Number(url.searchParams.get('heartbeat') ?? 30));
  } else if (request.method === 'POST' && url.pathname === '/memories') {
    createMemory(request, response);
  } else if (request.method === 'GET' && url.pathname === '/health') {
    response.writeHead(200).end('ok');
  } else {
    response.writeHead(404).end();
  }
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' ? address?.port : address}\n`);
});
// Exit normally on SIGTERM so that --cpu-prof, when given, writes its profile.
process.on('SIGTERM', () => process.exit(0));
