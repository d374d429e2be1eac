import { Transform } from 'class-transformer';
import { HttpStatus, ValidationError, ValidationPipe } from '@nestjs/common';
import { ApiError } from './api-error';
import { firstBrokenRule } from './first-broken-rule';

interface FieldError {
  field: string;
  /** One message: the first rule the field breaks. */
  errors: [string];
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const first = firstBrokenRule(error);
    const own: FieldError[] = first ? [{ field, errors: [first] }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

const RESERVED_KEYS = ['__proto__', 'constructor', 'prototype'];

/** The path of the first own key, at any depth, that JavaScript reserves. */
function reservedKeyPath(value: unknown, path = ''): string | null {
  if (value === null || typeof value !== 'object') return null;
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    if (RESERVED_KEYS.includes(key)) return childPath;
    const found = reservedKeyPath(child, childPath);
    if (found) return found;
  }
  return null;
}

/**
 * Nest silently deletes `__proto__`, `constructor` and `prototype` keys from bodies (against
 * prototype pollution; class-transformer also fails on them). Deleting would lose part of a
 * memory's metadata without a word, so such keys are refused instead.
 */
class ApiValidationPipe extends ValidationPipe {
  protected override stripProtoKeys(value: unknown): void {
    const path = reservedKeyPath(value);
    if (path) {
      throw new ApiError(
        HttpStatus.BAD_REQUEST,
        'VALIDATION_ERROR',
        `${path}: keys named ${RESERVED_KEYS.join(', ')} are not accepted`,
      );
    }
  }
}

/** Fields named in the message; a body of thousands of unknown keys would make it megabytes. */
const MESSAGE_FIELDS = 10;

/** Whitelisting, transforming validation whose failures use the one error body. */
export function createValidationPipe(): ValidationPipe {
  return new ApiValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const details = flatten(errors);
      const shown = details.slice(0, MESSAGE_FIELDS).map((d) => d.errors[0]);
      const more = details.length - shown.length;
      const message = shown.join('; ') + (more > 0 ? `; and ${more} more (see details)` : '');
      return new ApiError(HttpStatus.BAD_REQUEST, 'VALIDATION_ERROR', message, details);
    },
  });
}

/**
 * Keeps a free-form JSON field exactly as parsed: class-transformer would otherwise rebuild it and
 * drop keys such as `constructor` or `toString`.
 */
export const KeepAsSent = (): PropertyDecorator =>
  Transform(({ obj, key }) => (obj as Record<string, unknown>)[key], { toClassOnly: true });
