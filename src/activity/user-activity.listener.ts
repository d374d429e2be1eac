import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { EventLog } from '../events/event-log';
import { MemoryViewed } from '../memory/memory.notifications';
import { StreamClosed, StreamOpened } from '../stream/stream.notifications';
import { userActivity } from './user-activity';

/** Turns what the stream and memory modules announce into `user.activity` events in the log. */
@Injectable()
export class UserActivityListener {
  constructor(private readonly log: EventLog) {}

  @OnEvent(StreamOpened.event)
  streamOpened({ organizationId, userId, streamId }: StreamOpened): void {
    void this.log.publish(
      userActivity(organizationId, userId, 'stream.opened', 'stream', streamId),
    );
  }

  @OnEvent(StreamClosed.event)
  streamClosed({ organizationId, userId, streamId }: StreamClosed): void {
    void this.log.publish(
      userActivity(organizationId, userId, 'stream.closed', 'stream', streamId),
    );
  }

  @OnEvent(MemoryViewed.event)
  memoryViewed({ organizationId, userId, memoryId }: MemoryViewed): void {
    void this.log.publish(
      userActivity(organizationId, userId, 'memory.viewed', 'memory', memoryId),
    );
  }
}
