import { applyDecorators } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  ContentObject,
  getSchemaPath,
} from '@nestjs/swagger';
import { codeForStatus, ErrorBody } from './api-error';

/** The one error body (CONTRACT.md, Errors), as OpenAPI shows it. */
export class ErrorResponse implements ErrorBody {
  @ApiProperty({ example: 'VALIDATION_ERROR', description: 'A stable code to branch on' })
  code!: string;

  @ApiProperty({ example: 'content must be a string', description: 'What went wrong, in words' })
  message!: string;

  @ApiPropertyOptional({
    description:
      'More about the error when there is more to say: for VALIDATION_ERROR, each field and its rule',
    oneOf: [
      { type: 'array', items: {} },
      { type: 'object', additionalProperties: true },
    ],
  })
  details?: unknown;

  @ApiProperty({ example: 'a1b2c3d4', description: 'Quote it when reporting a problem' })
  request_id!: string;
}

export type ErrorStatus = 400 | 401 | 403 | 404 | 406 | 408 | 413 | 415 | 429 | 503;

const MEANING: Record<ErrorStatus, string> = {
  400: 'The input breaks a rule (VALIDATION_ERROR, INVALID_JSON); the message names the first',
  401: 'No key, or an unknown, revoked or spent one (AUTH_ERROR)',
  403: 'The key lacks the scope this route needs (FORBIDDEN)',
  404: "No such memory in the key's organization (NOT_FOUND)",
  406: 'The request does not accept text/event-stream (NOT_ACCEPTABLE)',
  408: 'The body did not arrive within the time limit',
  413: 'The body is over the size limit (PAYLOAD_TOO_LARGE)',
  415: 'The body is not JSON, or its Content-Encoding is not supported (UNSUPPORTED_MEDIA_TYPE)',
  429: 'Too many concurrent streams for this key (RATE_LIMITED); retry after Retry-After',
  503: 'A service this route needs is down, or this instance is shutting down; retry later',
};

const RETRY_AFTER = {
  'Retry-After': {
    description: 'Seconds to wait before trying again, when known',
    schema: { type: 'integer' },
  },
};

function content(status: ErrorStatus, alsoAsEvent: boolean): ContentObject {
  const json = { 'application/json': { schema: { $ref: getSchemaPath(ErrorResponse) } } };
  if (!alsoAsEvent) return json;
  const data = { code: codeForStatus(status), message: MEANING[status], retry_after: 1000 };
  return {
    ...json,
    'text/event-stream': {
      schema: {
        type: 'string',
        description:
          'The same error framed as `event: error`; data {code, message, retry_after} (milliseconds)',
      },
      example: `event: error\ndata: ${JSON.stringify(data)}\n\n`,
    },
  };
}

type RouteDecorator = MethodDecorator & ClassDecorator;

function documentErrors(statuses: ErrorStatus[], alsoAsEvent: boolean): RouteDecorator {
  return applyDecorators(
    ApiExtraModels(ErrorResponse),
    ...statuses.map((status) =>
      ApiResponse(
        {
          status,
          description: MEANING[status],
          content: content(status, alsoAsEvent),
          headers: status === 429 || status === 503 ? RETRY_AFTER : undefined,
        },
        // Replaces what a library's decorator said (terminus documents its own 503 body).
        { overrideExisting: true },
      ),
    ),
  );
}

/** Documents the error responses a route can give, each with the error body. */
export function ApiErrors(...statuses: ErrorStatus[]): RouteDecorator {
  return documentErrors(statuses, false);
}

/** As ApiErrors, for the stream: a client accepting text/event-stream also gets `event: error`. */
export function ApiStreamErrors(...statuses: ErrorStatus[]): RouteDecorator {
  return documentErrors(statuses, true);
}
