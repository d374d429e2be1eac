import { DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { LoggerModule } from 'nestjs-pino';
import { ActivityModule } from './activity/activity.module';
import { AuthModule } from './auth/auth.module';
import { ShutdownLog } from './common/lifecycle-log';
import { loggingParams } from './logging/logging';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { EventsModule } from './events/events.module';
import { HealthModule } from './health/health.module';
import { MemoryModule } from './memory/memory.module';
import { RedisModule } from './redis/redis.module';
import { MetricsModule } from './metrics/metrics.module';
import { SearchModule } from './search/search.module';
import { StreamModule } from './stream/stream.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggingParams(config)),
        EventEmitterModule.forRoot(),
        MetricsModule,
        DatabaseModule,
        RedisModule,
        EventsModule,
        AuthModule,
        MemoryModule,
        SearchModule,
        StreamModule,
        HealthModule,
        ActivityModule,
      ],
      providers: [ShutdownLog],
    };
  }
}
