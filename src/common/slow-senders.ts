import type { Server } from 'node:http';

/** How long a client may take to send a request's line and headers, and the whole request. */
export interface RequestTimeLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}

/**
 * Cuts off slow senders: a connection whose request line and headers, or whole request, have not
 * arrived within the limits is answered 408 (client-errors.ts) and closed. The limits time the
 * receiving of a request only, so a response that lasts (an event stream) is not cut short.
 *
 * Node looks for late requests every `connectionsCheckingInterval`, 30 s unless told, which would
 * stretch a 10 s limit to 40: here, a quarter of the shorter limit, at most a second. It reads the
 * interval when the server starts listening.
 */
export function limitSlowSenders(
  server: Server,
  { headersTimeoutMs, requestTimeoutMs }: RequestTimeLimits,
): void {
  server.headersTimeout = headersTimeoutMs;
  server.requestTimeout = requestTimeoutMs;
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval =
    Math.min(1000, headersTimeoutMs / 4);
}
