import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';
import { STREAM_POSITION_HEADER } from './events/stream-position';

/**
 * Browser apps on the listed origins may call the API and open the stream (with a ticket, as
 * EventSource cannot send headers). Other origins get no CORS headers, so the browser refuses.
 */
export function corsOptions(origins: readonly string[]): CorsOptions {
  return {
    origin: [...origins],
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'X-API-Key', 'Content-Type', 'Last-Event-ID', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After', STREAM_POSITION_HEADER],
    maxAge: 600,
  };
}
