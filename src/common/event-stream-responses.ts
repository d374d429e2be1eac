import type { ServerResponse } from 'node:http';

/**
 * Responses answered as event streams, for the request log and the HTTP metrics, which treat them
 * apart. Their headers go out in one `writeHead` and Node keeps none of them
 * (logging/request-id.ts says why), so `getHeader('content-type')` cannot tell.
 */
const eventStreams = new WeakSet<ServerResponse>();

export function markEventStream(response: ServerResponse): void {
  eventStreams.add(response);
}

export function isEventStream(response: ServerResponse): boolean {
  return eventStreams.has(response);
}
