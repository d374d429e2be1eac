import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config';
import { Leadership, RedisLeadership, SoleInstance } from './leadership';

/** The shared Redis connection, or null when REDIS_URL is unset (one process, no Redis). */
export const REDIS = Symbol('REDIS');

/**
 * Commands fail at once while Redis is unreachable (no offline queue), so a request is refused
 * clearly instead of hanging; the connection itself keeps retrying in the background.
 */
export function connectRedis(config: AppConfig): Redis | null {
  if (!config.redis) return null;
  return new Redis(config.redis.url, {
    keyPrefix: config.redis.keyPrefix,
    // Names this deployment's connections in CLIENT LIST.
    connectionName: config.redis.keyPrefix,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
}

@Global()
@Module({
  providers: [
    { provide: REDIS, inject: [AppConfig], useFactory: connectRedis },
    {
      provide: Leadership,
      inject: [REDIS],
      useFactory: (redis: Redis | null): Leadership =>
        redis ? new RedisLeadership(redis) : new SoleInstance(),
    },
  ],
  exports: [REDIS, Leadership],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis | null) {}

  onApplicationShutdown(): void {
    this.redis?.disconnect();
  }
}
