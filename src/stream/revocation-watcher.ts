import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ApiKeyService } from '../auth/api-key.service';
import { AppConfig } from '../config/app-config';
import { StreamHub } from './stream-hub';

/**
 * Closes the open streams of revoked keys. Keys are revoked from another process (the keys CLI),
 * so the database is asked, once per shortest heartbeat interval, about every key with a stream.
 */
@Injectable()
export class RevocationWatcher implements OnModuleInit, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private checking = false;

  constructor(
    private readonly hub: StreamHub,
    private readonly apiKeys: ApiKeyService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(
      () => void this.check(),
      this.config.stream.heartbeatMinSeconds * 1000,
    ).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async check(): Promise<void> {
    const keyIds = [...this.hub.keyIds()];
    if (this.checking || keyIds.length === 0) return;
    this.checking = true;
    try {
      const revoked = await this.apiKeys.revokedAmong(keyIds);
      if (revoked.size > 0) {
        this.hub.closeKeys(revoked, {
          code: 'AUTH_ERROR',
          message: 'The API key was revoked',
          retry_after: 0,
        });
      }
    } finally {
      this.checking = false;
    }
  }
}
