import { HttpStatus } from '@nestjs/common';
import { Redis } from 'ioredis';
import { ApiError } from '../common/api-error';

/** How long a client is asked to wait: ioredis tries to reconnect every 2 s at most. */
const RETRY_AFTER_SECONDS = 2;

/**
 * Runs a command on state that only Redis holds (stream slots, tickets). While Redis is
 * unreachable its failure is a 503 with Retry-After, which clients retry, instead of a 500.
 */
export async function needsRedis<T>(redis: Redis, command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch (error) {
    if (redis.status === 'ready') throw error;
    throw new ApiError(
      HttpStatus.SERVICE_UNAVAILABLE,
      'SERVICE_UNAVAILABLE',
      'Stream slots and tickets are unreachable while the service reconnects to Redis: try again in a moment',
      undefined,
      RETRY_AFTER_SECONDS,
    );
  }
}
