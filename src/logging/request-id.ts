import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { looksLikeSecret } from './redact-secrets';

const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

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
  response.setHeader('X-Request-Id', id);
  return id;
}
