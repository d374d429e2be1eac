import { Global, Module } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config';
import { REDIS } from '../redis/redis.module';
import { EventFeed } from './event-feed';
import { EventLog } from './event-log';
import { EventLogRepository } from './event-log.repository';
import { EventNotifier, SoleInstanceNotifier } from './event-notifier';
import { EventTrimmer } from './event-trimmer';
import { RedisEventNotifier } from './redis-event-notifier';

@Global()
@Module({
  providers: [
    EventLogRepository,
    EventLog,
    EventFeed,
    EventTrimmer,
    {
      provide: EventNotifier,
      inject: [REDIS, AppConfig],
      useFactory: (redis: Redis | null, config: AppConfig): EventNotifier =>
        redis ? new RedisEventNotifier(redis, config.redis!.keyPrefix) : new SoleInstanceNotifier(),
    },
  ],
  exports: [EventLog, EventFeed, EventNotifier],
})
export class EventsModule {}
