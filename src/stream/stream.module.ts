import { Module } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config';
import { REDIS } from '../redis/redis.module';
import { ConnectionLimitGuard } from './connection-limit.guard';
import { RedisConnectionLimiter } from './redis-connection-limiter';
import { ConnectionLimiter } from './connection-limiter';
import { EventStreamAcceptGuard } from './event-stream-accept.guard';
import { InProcessConnectionLimiter } from './in-process-connection-limiter';
import { RevocationWatcher } from './revocation-watcher';
import { StreamController } from './stream.controller';
import { StreamHub } from './stream-hub';
import { StreamQueryPipe } from './stream-query.pipe';
import { StreamRefusalFilter } from './stream-refusal.filter';

@Module({
  controllers: [StreamController],
  providers: [
    StreamHub,
    RevocationWatcher,
    StreamQueryPipe,
    StreamRefusalFilter,
    EventStreamAcceptGuard,
    ConnectionLimitGuard,
    {
      provide: ConnectionLimiter,
      inject: [REDIS, AppConfig],
      useFactory: (redis: Redis | null, config: AppConfig): ConnectionLimiter =>
        redis ? new RedisConnectionLimiter(redis, config) : new InProcessConnectionLimiter(config),
    },
  ],
  exports: [StreamHub, ConnectionLimiter],
})
export class StreamModule {}
