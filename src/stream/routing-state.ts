import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * What routing hung on a request that an open stream no longer needs once its headers are out:
 * the router's `next` (which holds its closures for this request), the route and its parameters,
 * the parsed URL, and pino-http's list of loggers. Node's parsed header object goes too; it is
 * rebuilt from `rawHeaders` if anything asks for `headers` again.
 */
const REQUEST_ROUTING_STATE = ['next', 'route', 'params', '_parsedUrl', 'allLogs'];
/** Express's `locals` and pino-http's list of loggers. */
const RESPONSE_ROUTING_STATE = ['locals', 'allLogs'];

function release(target: object, names: readonly string[]): void {
  const properties = target as Record<string, unknown>;
  // Only what is there: a new property would give the object another hidden class.
  for (const name of names) if (Object.hasOwn(target, name)) properties[name] = undefined;
}

/**
 * Lets go of routing state an open stream would otherwise keep for as long as it lasts (about
 * 2 KB a stream, BENCHMARKS.md "Memory per idle stream").
 */
export function releaseRoutingState(request: IncomingMessage, response: ServerResponse): void {
  release(request, REQUEST_ROUTING_STATE);
  release(response, RESPONSE_ROUTING_STATE);
  (request as { headers?: unknown }).headers = undefined;
}
