import type { IncomingMessage } from 'node:http';

/** The client lists text/event-stream in Accept (a wildcard does not count). */
export function acceptsEventStream(request: IncomingMessage): boolean {
  const accept = request.headers.accept ?? '';
  return accept
    .split(',')
    .some((part) => part.split(';')[0].trim().toLowerCase() === 'text/event-stream');
}
