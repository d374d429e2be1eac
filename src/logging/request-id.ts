import { randomUUID } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { looksLikeSecret } from './redact-secrets';

const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const HEADER = 'X-Request-Id';

/** `writeHead`'s arguments: status, then an optional message, then optional headers. */
type WriteHeadArguments = [number, ...unknown[]];

/** The arguments with the id among the headers, unless the response already names one. */
function withRequestId(
  response: ServerResponse,
  [status, ...rest]: WriteHeadArguments,
  id: string,
): WriteHeadArguments {
  const message = typeof rest[0] === 'string' ? [rest.shift()] : [];
  const headers = rest[0] as OutgoingHttpHeaders | unknown[] | undefined;
  const named =
    response.hasHeader(HEADER) ||
    (headers !== undefined &&
      !Array.isArray(headers) &&
      Object.keys(headers).some((name) => name.toLowerCase() === 'x-request-id'));
  if (named) return [status, ...message, ...rest];
  if (Array.isArray(headers)) {
    response.setHeader(HEADER, id);
    return [status, ...message, headers];
  }
  return [status, ...message, { ...headers, [HEADER]: id }];
}

/**
 * Echoes `id` in X-Request-Id when the response's headers are written (every answer goes through
 * `writeHead`). Not with `setHeader` at once: the first `setHeader` makes Node keep every header
 * of the response in a table until it ends, which an open event stream, whose headers otherwise
 * go out in one `writeHead`, would hold for its whole life (BENCHMARKS.md, "Memory per idle
 * stream").
 */
function echoWhenHeadersAreWritten(response: ServerResponse, id: string): void {
  const writeHead = response.writeHead;
  response.writeHead = ((...args: WriteHeadArguments) => {
    response.writeHead = writeHead;
    return (writeHead as (...args: unknown[]) => ServerResponse).apply(
      response,
      withRequestId(response, args, id),
    );
  }) as ServerResponse['writeHead'];
}

/**
 * Keeps a well-formed incoming X-Request-Id, otherwise makes one; echoes it on the response. An id
 * that looks like a key or ticket is replaced: it would be written on every line of the request.
 */
export function assignRequestId(request: IncomingMessage, response: ServerResponse): string {
  const incoming = request.headers['x-request-id'];
  const id =
    typeof incoming === 'string' && CLIENT_ID.test(incoming) && !looksLikeSecret(incoming)
      ? incoming
      : randomUUID();
  echoWhenHeadersAreWritten(response, id);
  return id;
}
