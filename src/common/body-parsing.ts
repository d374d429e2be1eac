import { HttpException, HttpStatus } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from './api-error';
import { findJsonProblem } from './json-rules';

/** Errors raised by Express's body parser (http-errors), before any route runs. */
interface BodyParserError {
  status: number;
  type?: string;
  limit?: number;
  encoding?: string;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    typeof error === 'object' &&
    error !== null &&
    !(error instanceof HttpException) &&
    typeof (error as { status?: unknown }).status === 'number'
  );
}

/** Whether the request says it brings a body (read or not yet). */
export function hasBody(request: Request): boolean {
  return (
    Number(request.headers['content-length'] ?? 0) > 0 ||
    request.headers['transfer-encoding'] !== undefined
  );
}

/** Refuses a body that is not JSON instead of letting the route see an empty one. */
export function requireJsonBody(request: Request, _response: Response, next: NextFunction): void {
  if (hasBody(request) && !request.is('application/json')) {
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

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/**
 * Refuses a parsed body that is not an object, or that could not be stored exactly (see
 * json-rules), before anything walks it: the validation pipe and class-transformer recurse.
 */
export function requireStorableJsonBody(
  request: Request,
  _response: Response,
  next: NextFunction,
): void {
  const body: unknown = request.body;
  if (body === undefined) {
    next();
    return;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    next(
      new ApiError(
        HttpStatus.BAD_REQUEST,
        'VALIDATION_ERROR',
        `The request body must be a JSON object ({...}), not ${kindOf(body)}`,
      ),
    );
    return;
  }
  const problem = findJsonProblem(body);
  if (problem) {
    const message = `${problem.field} ${problem.message}`;
    next(
      new ApiError(HttpStatus.BAD_REQUEST, 'VALIDATION_ERROR', message, [
        { field: problem.field, errors: [message] },
      ]),
    );
    return;
  }
  next();
}

function describeBodyParserError(error: BodyParserError, request: Request): ApiError {
  const contentEncoding = String(request.headers['content-encoding'] ?? 'identity').toLowerCase();
  switch (error.type) {
    case 'entity.parse.failed':
      return new ApiError(
        HttpStatus.BAD_REQUEST,
        'INVALID_JSON',
        'The request body is not valid JSON',
      );
    case 'entity.too.large':
      return new ApiError(
        HttpStatus.PAYLOAD_TOO_LARGE,
        'PAYLOAD_TOO_LARGE',
        `The request body is larger than the limit of ${error.limit} bytes`,
      );
    case 'encoding.unsupported':
      return new ApiError(
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        'UNSUPPORTED_MEDIA_TYPE',
        `Content-Encoding "${error.encoding ?? contentEncoding}" is not supported: send the body ` +
          'uncompressed, or compressed with gzip, deflate or br',
      );
    case 'charset.unsupported':
      return new ApiError(
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        'UNSUPPORTED_MEDIA_TYPE',
        'The body must be UTF-8 JSON',
      );
    case 'request.size.invalid':
      return new ApiError(
        HttpStatus.BAD_REQUEST,
        'VALIDATION_ERROR',
        'The request body does not have the length its Content-Length header says',
      );
  }
  // zlib's own errors carry no type: the body did not decompress as its Content-Encoding says.
  if (error.type === undefined && contentEncoding !== 'identity') {
    return new ApiError(
      HttpStatus.BAD_REQUEST,
      'VALIDATION_ERROR',
      `The request body is not valid ${contentEncoding} data (it is sent with ` +
        `Content-Encoding: ${contentEncoding}): compress it whole, or leave the header out`,
    );
  }
  return new ApiError(
    HttpStatus.BAD_REQUEST,
    'VALIDATION_ERROR',
    'The request body could not be read',
  );
}

/** Gives the body parser's failures the one error body, with a message a person can act on. */
export function bodyParserErrors(
  error: unknown,
  request: Request,
  _response: Response,
  next: NextFunction,
): void {
  next(isBodyParserError(error) ? describeBodyParserError(error, request) : error);
}
