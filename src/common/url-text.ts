import { HttpStatus } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from './api-error';
import { textProblem } from './json-rules';

function refuse(message: string, field?: string): ApiError {
  const details = field === undefined ? undefined : [{ field, errors: [message] }];
  return new ApiError(HttpStatus.BAD_REQUEST, 'VALIDATION_ERROR', message, details);
}

function pathProblem(path: string): ApiError | null {
  for (const segment of path.split('/')) {
    let text: string;
    try {
      text = decodeURIComponent(segment);
    } catch {
      return refuse(`The URL path segment "${segment}" is not valid percent-encoded UTF-8`);
    }
    const problem = textProblem(text);
    if (problem) return refuse(`The URL path ${problem}`);
  }
  return null;
}

function queryProblem(query: Request['query']): ApiError | null {
  for (const [name, value] of Object.entries(query)) {
    const nameProblem = textProblem(name);
    if (nameProblem) return refuse(`Query parameter names ${nameProblem}`);
    for (const item of Array.isArray(value) ? value : [value]) {
      const problem = typeof item === 'string' ? textProblem(item) : null;
      if (problem) return refuse(`${name} ${problem}`, name);
    }
  }
  return null;
}

/**
 * Refuses a URL whose path or query, once decoded, holds text no database can look up as sent
 * (`/memories/%00` would reach PostgreSQL as a NUL), whatever the route.
 */
export function requireStorableUrlText(
  request: Request,
  _response: Response,
  next: NextFunction,
): void {
  next(pathProblem(request.path) ?? queryProblem(request.query) ?? undefined);
}
