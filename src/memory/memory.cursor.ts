import { HttpStatus } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { Memory, MemoryCursor } from './memory.types';

/** An opaque keyset position: the last memory of a page. */
export function encodeCursor(memory: Memory): string {
  return Buffer.from(JSON.stringify([memory.created_at, memory.id])).toString('base64url');
}

export function decodeCursor(cursor: string): MemoryCursor {
  try {
    const [created_at, id] = JSON.parse(
      Buffer.from(cursor, 'base64url').toString('utf8'),
    ) as unknown[];
    if (typeof created_at === 'string' && typeof id === 'string') return { created_at, id };
  } catch {
    // Falls through to the error below.
  }
  throw new ApiError(
    HttpStatus.BAD_REQUEST,
    'VALIDATION_ERROR',
    'cursor is not valid: pass next_cursor from a previous page',
  );
}
