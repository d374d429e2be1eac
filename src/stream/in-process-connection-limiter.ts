import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ConnectionLease, ConnectionLimiter } from './connection-limiter';

@Injectable()
export class InProcessConnectionLimiter extends ConnectionLimiter {
  private readonly open = new Map<string, number>();

  constructor(private readonly config: AppConfig) {
    super();
  }

  // Check and increment happen in one synchronous step, so a burst of connects cannot overshoot.
  async acquire(keyId: string): Promise<ConnectionLease | null> {
    const count = this.open.get(keyId) ?? 0;
    if (count >= this.config.stream.maxConnectionsPerKey) return null;
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

  async count(keyId: string): Promise<number> {
    return this.open.get(keyId) ?? 0;
  }
}
