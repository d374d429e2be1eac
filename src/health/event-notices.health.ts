import { Injectable } from '@nestjs/common';
import { EventNotifier } from '../events/event-notifier';
import { Probe } from './probe';

/**
 * News of committed events reaches the other instances: Redis answers, when the service runs on
 * Redis (in one process there is nothing to ask).
 */
@Injectable()
export class EventNoticesHealthIndicator {
  constructor(
    private readonly notifier: EventNotifier,
    private readonly probe: Probe,
  ) {}

  isHealthy<const Key extends string>(key: Key) {
    return this.probe.check(key, () => this.notifier.ping());
  }
}
