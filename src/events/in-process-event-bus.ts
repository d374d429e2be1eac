import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Subject } from 'rxjs';
import { EventBus } from './event-bus';
import { DomainEvent, EventInput } from './event-map';

@Injectable()
export class InProcessEventBus extends EventBus implements OnApplicationShutdown {
  private readonly subject = new Subject<DomainEvent>();
  private sequence = 0;
  readonly events$ = this.subject.asObservable();

  async publish(input: EventInput): Promise<DomainEvent> {
    this.sequence += 1;
    const event = { ...input, id: String(this.sequence), publishedAt: Date.now() } as DomainEvent;
    this.subject.next(event);
    return event;
  }

  onApplicationShutdown(): void {
    this.subject.complete();
  }
}
