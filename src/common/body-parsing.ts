import { HttpStatus } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from './api-error';

/** Errors raised by Express's body parser, before any route runs. */
interface BodyParserError {
  type: string;
  status: number;
  limit?: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return typeof error === 'object' && error !== null && 'type' in error && 'status' in error;
}

/** Refuses a body that is not JSON instead of letting the route see an empty one. */
export function requireJsonBody(request: Request, _response: Response, next: NextFunction): void {
  const hasBody =
    Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'];
  if (hasBody && !request.is('application/json')) {
    next(
      new ApiError(
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        'UNSUPPORTED_MEDIA_TYPE',
        'Send the body as JSON with "Content-Type: application/json"',
      ),
    );
    return;
  }
  next();
}

/** Gives the body parser's failures the one error body, with a message a person can act on. */
export function bodyParserErrors(
  error: unknown,
  _request: Request,
  _response: Response,
  next: NextFunction,
): void {
  if (!isBodyParserError(error)) {
    next(error);
  } else if (error.type === 'entity.parse.failed') {
    next(
      new ApiError(HttpStatus.BAD_REQUEST, 'INVALID_JSON', 'The request body is not valid JSON'),
    );
  } else if (error.type === 'entity.too.large') {
    next(
      new ApiError(
        HttpStatus.PAYLOAD_TOO_LARGE,
        'PAYLOAD_TOO_LARGE',
        `The request body is larger than the limit of ${error.limit} bytes`,
      ),
    );
  } else if (error.status === 415) {
    next(
      new ApiError(
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        'UNSUPPORTED_MEDIA_TYPE',
        'The body must be UTF-8 JSON',
      ),
    );
  } else {
    next(
      new ApiError(
        HttpStatus.BAD_REQUEST,
        'VALIDATION_ERROR',
        'The request body could not be read',
      ),
    );
  }
}
