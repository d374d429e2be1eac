import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { NEVER, Subject } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { EventBus } from './event-bus';
import { EventLog, Replay } from './event-log';
import { DomainEvent, EventInput } from './event-map';

/** One process: the log and the fan-out live in memory. */
@Injectable()
export class InProcessEventBus extends EventBus implements OnApplicationShutdown {
  private readonly subject = new Subject<DomainEvent>();
  private readonly log: EventLog;
  readonly events$ = this.subject.asObservable();
  /** Nothing between publisher and subscribers can fail apart from the process. */
  readonly interruptions$ = NEVER;
  readonly available = true;

  constructor(
    config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    super();
    this.log = new EventLog(config.eventRetention);
  }

  async publish(input: EventInput): Promise<DomainEvent> {
    const event = this.log.append(input);
    this.metrics.eventsPublished.inc({ type: event.type });
    this.subject.next(event);
    return event;
  }

  async replay(after: string | undefined): Promise<Replay> {
    return this.log.replay(after);
  }

  async ping(): Promise<void> {}

  onApplicationShutdown(): void {
    this.subject.complete();
  }
}
