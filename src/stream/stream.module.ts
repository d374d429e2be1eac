import { Module } from '@nestjs/common';
import { ConnectionLimitGuard } from './connection-limit.guard';
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
    { provide: ConnectionLimiter, useClass: InProcessConnectionLimiter },
  ],
  exports: [StreamHub, ConnectionLimiter],
})
export class StreamModule {}
