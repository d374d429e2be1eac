import { Global, Module } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { REDIS } from '../redis/redis.module';
import { EventBus } from './event-bus';
import { InProcessEventBus } from './in-process-event-bus';
import { RedisEventBus } from './redis-event-bus';

@Global()
@Module({
  providers: [
    {
      provide: EventBus,
      inject: [REDIS, AppConfig, MetricsService],
      useFactory: (redis: Redis | null, config: AppConfig, metrics: MetricsService): EventBus =>
        redis ? new RedisEventBus(redis, config, metrics) : new InProcessEventBus(config, metrics),
    },
  ],
  exports: [EventBus],
})
export class EventsModule {}
