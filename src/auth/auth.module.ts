import { Global, Module } from '@nestjs/common';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyService } from './api-key.service';
import { Authenticator } from './authenticator';
import { Redis } from 'ioredis';
import { REDIS } from '../redis/redis.module';
import { InProcessStreamTickets } from './in-process-stream-tickets';
import { RedisStreamTickets } from './redis-stream-tickets';
import { StreamTickets } from './stream-tickets';

@Global()
@Module({
  providers: [
    ApiKeyRepository,
    ApiKeyService,
    Authenticator,
    ApiKeyGuard,
    {
      provide: StreamTickets,
      inject: [REDIS],
      useFactory: (redis: Redis | null): StreamTickets =>
        redis ? new RedisStreamTickets(redis) : new InProcessStreamTickets(),
    },
  ],
  exports: [ApiKeyRepository, ApiKeyService, Authenticator, ApiKeyGuard, StreamTickets],
})
export class AuthModule {}
