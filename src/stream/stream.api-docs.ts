import { applyDecorators } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiProperty,
  ApiQuery,
  ApiSecurity,
} from '@nestjs/swagger';
import { IssuedTicket } from '../auth/stream-tickets';
import { ApiErrors, ApiStreamErrors } from '../common/documented-errors';
import { EVENT_TYPES } from '../events/event-map';
import { DEFAULT_HEARTBEAT_SECONDS, MAX_HEARTBEAT_SECONDS } from './stream-query.pipe';

/** The security scheme of `?ticket=` (declared in app.factory.ts). */
export const TICKET_SECURITY = 'stream-ticket';

const SSE_EXAMPLE =
  'retry: 3000\n\n' +
  'event: heartbeat\nid: 1764720000000-41\n' +
  'data: {"timestamp":"2026-12-03T00:00:00.000Z","status":"ok","connection_id":"conn_1","interval_seconds":30}\n\n' +
  'event: memory.created\nid: 1764720000000-42\ndata: {"memory_id":"mem_0123456789abcdef"}\n\n';

/**
 * Documents `GET /stream`: its query, the three ways to authenticate (`?ticket=` is a security
 * scheme, so generated clients treat it as a credential), its frames and its refusals.
 */
export function ApiStreamRoute(): MethodDecorator {
  return applyDecorators(
    ApiSecurity('bearer'),
    ApiSecurity('api-key'),
    ApiSecurity(TICKET_SECURITY),
    ApiQuery({
      name: 'events',
      required: false,
      description: 'Event types to receive, repeated or as one comma list; every type when absent',
      style: 'form',
      explode: true,
      schema: { type: 'array', items: { type: 'string', enum: [...EVENT_TYPES] } },
    }),
    ApiQuery({
      name: 'filters',
      required: false,
      description:
        'Fields of the event data (or of data.metadata) that must all match: filters[field]=value ' +
        'pairs, or one JSON object as filters={"field":value}',
      style: 'deepObject',
      explode: true,
      schema: { type: 'object', additionalProperties: { type: 'string' } },
    }),
    ApiQuery({
      name: 'heartbeat',
      required: false,
      description: `Seconds between heartbeats; the minimum is the server's STREAM_HEARTBEAT_MIN_SECONDS (30 by default)`,
      schema: {
        type: 'integer',
        minimum: 1,
        maximum: MAX_HEARTBEAT_SECONDS,
        default: DEFAULT_HEARTBEAT_SECONDS,
      },
    }),
    ApiQuery({
      name: 'last_event_id',
      required: false,
      description: 'Resume after this event id on a first connect (the Last-Event-ID header wins)',
      schema: { type: 'string', example: '1764720000000-42' },
    }),
    ApiHeader({
      name: 'Last-Event-ID',
      required: false,
      description: 'Resume after this event id; EventSource sends it on reconnect',
      schema: { type: 'string' },
    }),
    ApiHeader({
      name: 'Accept',
      required: true,
      description: 'Must accept text/event-stream',
      schema: { type: 'string', default: 'text/event-stream' },
    }),
    ApiOkResponse({
      description: 'Server-Sent Events: `event`, `id` and one line of JSON `data` per frame',
      content: {
        'text/event-stream': { schema: { type: 'string' }, example: SSE_EXAMPLE },
      },
    }),
    ApiStreamErrors(400, 401, 403, 406, 429, 503),
  );
}

export class TicketResponse implements IssuedTicket {
  @ApiProperty({ description: 'Pass as ?ticket= to GET /api/v1/stream; good for one connect' })
  ticket!: string;

  @ApiProperty({ format: 'date-time', description: 'The ticket is refused after this instant' })
  expires_at!: string;
}

/** Documents `POST /stream/tickets`. */
export function ApiTicketRoute(): MethodDecorator {
  return applyDecorators(
    ApiCreatedResponse({
      type: TicketResponse,
      description: 'A single-use ticket for GET /stream?ticket=, valid for 60 seconds',
    }),
    ApiErrors(503),
  );
}
