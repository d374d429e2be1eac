import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { ErrorBody } from './api-error';

/** Node's own limit on the request line and headers together (`--max-http-header-size`). */
const HEADER_LIMIT_KB = 16;

function describe(error: NodeJS.ErrnoException): { status: number; code: string; message: string } {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        code: 'HEADERS_TOO_LARGE',
        message: `The URL and headers together are larger than ${HEADER_LIMIT_KB} KB: send a shorter URL or fewer, smaller headers`,
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        code: 'REQUEST_TIMEOUT',
        message: 'The request was not received in time: send it again, without pausing',
      };
    default:
      return {
        status: 400,
        code: 'VALIDATION_ERROR',
        message: 'The request is not well-formed HTTP/1.1',
      };
  }
}

/**
 * Answers what Node refuses before any route runs (oversized headers or URL, malformed HTTP)
 * with the one error body instead of Node's bare status line, where the socket can still take it.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // As Node does: never write into a response that has already begun on this socket.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const { status, code, message } = describe(error);
    const requestId = randomUUID();
    const body: ErrorBody = { code, message, request_id: requestId };
    const json = JSON.stringify(body);
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(json)}\r\n` +
        `X-Request-Id: ${requestId}\r\n` +
        'Connection: close\r\n\r\n' +
        json,
    );
  });
}
