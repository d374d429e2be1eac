import {
  BadRequestException,
  CanActivate,
  Controller,
  Injectable,
  Module,
  Req,
  Res,
  Sse,
  SSE_ABORT_CONTROLLER,
  SseSignal,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request, Response } from 'express';
import { connect, Socket } from 'node:net';
import { Observable } from 'rxjs';
import { waitUntil } from '../../test/support/waits';
import { nestSseResponse, SseSession } from './nest-sse-response';

/**
 * Pins what nestSseResponse relies on in @nestjs/core's @Sse (see its comment): a tiny Nest app,
 * its route written through the adapter, the exact bytes read off a raw socket. If Nest stops
 * writing its headers with one writeHead and a lone "\n", or stops letting go of the response when
 * the observable completes, these fail.
 */

/** What the route saw of one stream, for the test to act on and check. */
interface Seen {
  session: SseSession;
  opened: boolean;
  left: number;
  /** The socket's 'close' listeners before Nest's @Sse machinery ran, and once the stream opened. */
  closeListenersBefore: unknown[];
  closeListenersAtOpen?: unknown[];
  unpipeListenersAtOpen?: number;
  /** Whether Nest's signal for the request was aborted at open: its lifecycle for it has ended. */
  endedForNest?: boolean;
  request: Request;
  response: Response;
}

let seen: Seen[] = [];
let failBeforeOpen: unknown;

@Injectable()
class RefuseWithoutKey implements CanActivate {
  canActivate(context: Parameters<CanActivate['canActivate']>[0]): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    if (request.headers['x-key'] !== 'ok') throw new UnauthorizedException('no key');
    return true;
  }
}

@Controller()
class StreamsController {
  @Sse('stream')
  @UseGuards(RefuseWithoutKey)
  stream(
    @Req() request: Request,
    @Res() response: Response,
    @SseSignal() signal: AbortSignal,
  ): Observable<never> {
    const closeListenersBefore = request.socket.listeners('close');
    return nestSseResponse(
      response,
      { 'Cache-Control': 'no-cache', Connection: 'close' },
      (session) => {
        const entry: Seen = {
          session,
          opened: false,
          left: 0,
          closeListenersBefore,
          request,
          response,
        };
        seen.push(entry);
        if (failBeforeOpen) session.fail(failBeforeOpen);
        session.onOpen(() => {
          entry.opened = true;
          entry.endedForNest = signal.aborted;
          entry.closeListenersAtOpen = request.socket.listeners('close');
          entry.unpipeListenersAtOpen = response.listenerCount('unpipe');
          response.write('retry: 1000\n\n');
        });
        return () => (entry.left += 1);
      },
    );
  }
}

@Module({ controllers: [StreamsController], providers: [RefuseWithoutKey] })
class StreamsModule {}

const clients: Socket[] = [];

/** A raw HTTP/1.1 request, keeping every byte the server sends. */
function rawGet(
  port: number,
  headers: string,
): { socket: Socket; bytes: () => string; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  clients.push(socket);
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(
    `GET /stream HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n${headers}\r\n`,
  );
  return { socket, bytes: () => received, closed };
}

describe('nestSseResponse on a real Nest @Sse route', () => {
  let app: NestExpressApplication;
  let port: number;

  beforeAll(async () => {
    app = await NestFactory.create<NestExpressApplication>(StreamsModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as { port: number }).port;
  });
  afterAll(() => app.close());
  beforeEach(() => {
    seen = [];
    failBeforeOpen = undefined;
  });
  afterEach(() => clients.splice(0).forEach((socket) => socket.destroy()));

  it("sends the adapter's headers and then only what the route writes: no lone newline", async () => {
    const client = rawGet(port, 'X-Key: ok\r\n');
    await waitUntil(() => client.bytes().includes('retry: 1000'), 5000, 'the first frame');
    const [status, body] = client.bytes().split('\r\n\r\n');
    const head = `${status}\r\n`;
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(head).toMatch(/\r\nContent-Type: text\/event-stream\r\n/i);
    expect(head).toMatch(/\r\nCache-Control: no-cache\r\n/i);
    expect(head).toMatch(/\r\nConnection: close\r\n/i);
    expect(head).toMatch(/\r\nTransfer-Encoding: chunked\r\n/i);
    // One HTTP chunk holding exactly the route's first frame.
    expect(body).toBe('d\r\nretry: 1000\n\n\r\n');
    client.socket.destroy();
    await waitUntil(() => seen[0].left === 1, 5000, 'the client leaving');
  });

  it('lets go of Nest once the headers are out, and keeps the response open', async () => {
    const client = rawGet(port, 'X-Key: ok\r\n');
    await waitUntil(() => seen[0]?.opened === true, 5000, 'the stream opening');
    const stream = seen[0];
    // Nest's close watcher, on the socket before the handler ran, and its pipe are gone.
    const atOpen = stream.closeListenersAtOpen!;
    expect(stream.closeListenersBefore.filter((l) => !atOpen.includes(l))).toHaveLength(1);
    expect(atOpen.filter((l) => !stream.closeListenersBefore.includes(l))).toHaveLength(0);
    expect(stream.unpipeListenersAtOpen).toBe(0);
    expect(stream.endedForNest).toBe(true);
    stream.response.write('data: still open\n\n');
    await waitUntil(
      () => client.bytes().includes('data: still open'),
      5000,
      'a frame after the handover',
    );
    expect(client.socket.destroyed).toBe(false);

    stream.session.end();
    await client.closed;
    expect(client.bytes().endsWith('data: still open\n\n\r\n0\r\n\r\n')).toBe(true);
    expect(stream.left).toBe(1);
  });

  it('lets go of the routing state an open stream no longer needs', async () => {
    rawGet(port, 'X-Key: ok\r\n');
    await waitUntil(() => seen[0]?.opened === true, 5000, 'the stream opening');
    const { request, response } = seen[0];
    const held = request as unknown as Record<string | symbol, unknown>;
    for (const name of ['next', 'route', 'params', '_parsedUrl', SSE_ABORT_CONTROLLER]) {
      expect({ [name]: held[name] }).toEqual({ [name]: undefined });
    }
    expect(response.locals).toBeUndefined();
    // Node's header object goes too, and is rebuilt when asked for.
    expect(request.headers['x-key']).toBe('ok');
  });

  it('tells the route once when the client leaves after the stream opened', async () => {
    const client = rawGet(port, 'X-Key: ok\r\n');
    await waitUntil(() => seen[0]?.opened === true, 5000, 'the stream opening');
    client.socket.destroy();
    await waitUntil(() => seen[0].left > 0, 5000, 'the client leaving');
    await client.closed;
    expect(seen[0].left).toBe(1);
  });

  it('answers with the real status when the route fails before the stream opens', async () => {
    failBeforeOpen = new BadRequestException('bad query');
    const client = rawGet(port, 'X-Key: ok\r\n');
    await waitUntil(() => client.bytes().includes('\r\n\r\n'), 5000, 'an answer');
    expect(client.bytes().split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(seen[0].opened).toBe(false);
    client.socket.destroy();
  });

  it('leaves a guard refusal to Nest, with its status', async () => {
    const client = rawGet(port, '');
    await waitUntil(() => client.bytes().includes('\r\n\r\n'), 5000, 'an answer');
    expect(client.bytes().split('\r\n')[0]).toBe('HTTP/1.1 401 Unauthorized');
    expect(seen).toHaveLength(0);
    client.socket.destroy();
  });
});
