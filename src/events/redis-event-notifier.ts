import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { DomainEvent } from './event-map';
import { EventNotifier, NotificationHandlers } from './event-notifier';

interface Notice {
  from: string;
  events: DomainEvent[];
}

/**
 * Notices over Redis pub/sub, carrying the events themselves so that instances need not read them
 * back. Pub/sub keeps nothing: what is published while an instance is disconnected is lost to it,
 * and on reconnecting it catches up from the log.
 */
export class RedisEventNotifier extends EventNotifier implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisEventNotifier.name);
  private readonly instanceId = randomBytes(8).toString('hex');
  private readonly subscriber: Redis;
  /** Pub/sub channels are not keys: ioredis does not prefix them, so the deployment's prefix is added here. */
  private readonly channel: string;

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
  ) {
    super();
    this.channel = `${keyPrefix}events`;
    this.subscriber = redis.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true });
  }

  announce(events: readonly DomainEvent[]): void {
    if (events.length === 0 || this.redis.status !== 'ready') return;
    const notice: Notice = { from: this.instanceId, events: [...events] };
    this.redis.publish(this.channel, JSON.stringify(notice)).catch((error: unknown) => {
      this.logger.debug(`Could not announce events: ${String(error)}`);
    });
  }

  listen(handlers: NotificationHandlers): void {
    this.subscriber.on('message', (_channel: string, message: string) => {
      const notice = JSON.parse(message) as Notice;
      if (notice.from !== this.instanceId) handlers.received(notice.events);
    });
    // Every (re)subscription may follow a gap in notices.
    this.subscriber.on('ready', () => handlers.resumed());
    void this.subscriber.subscribe(this.channel).catch((error: unknown) => {
      this.logger.warn(`Subscribing to event notices failed: ${String(error)}`);
    });
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  onApplicationShutdown(): void {
    this.subscriber.disconnect();
  }
}
