import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ConnectionLease, ConnectionLimiter, SlotsFull } from './connection-limiter';

@Injectable()
export class InProcessConnectionLimiter extends ConnectionLimiter {
  private readonly open = new Map<string, number>();

  constructor(private readonly config: AppConfig) {
    super();
  }

  // Check and increment happen in one synchronous step, so a burst of connects cannot overshoot.
  async acquire(keyId: string): Promise<ConnectionLease | SlotsFull> {
    const count = this.open.get(keyId) ?? 0;
    // Here every slot is held by a live stream, which keeps it until it ends, whenever that is:
    // ask again after as long as a scaled-out instance's slot outlives its holder at most.
    if (count >= this.config.stream.maxConnectionsPerKey)
      return { retryAfterMs: this.config.stream.slotLeaseMs };
    this.open.set(keyId, count + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const remaining = (this.open.get(keyId) ?? 1) - 1;
        if (remaining > 0) this.open.set(keyId, remaining);
        else this.open.delete(keyId);
      },
    };
  }
}
