import { Module } from '@nestjs/common';
import { MemoryModule } from '../memory/memory.module';
import { StreamModule } from '../stream/stream.module';
import { AnalyticsController } from './analytics.controller';
import { AnalyticsPublisher } from './analytics.publisher';
import { KeyActivityWatcher } from './key-activity.watcher';
import { UserActivityListener } from './user-activity.listener';

@Module({
  imports: [MemoryModule, StreamModule],
  controllers: [AnalyticsController],
  providers: [AnalyticsPublisher, KeyActivityWatcher, UserActivityListener],
})
export class ActivityModule {}
