import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ApiKeyRepository } from '../auth/api-key.repository';
import { EventLog } from '../events/event-log';
import { Leadership } from '../redis/leadership';
import { userActivity } from './user-activity';

const POLL_MS = 2000;
/** Rows are stamped before they commit; looking back this far catches late commits. */
const OVERLAP_MS = 2000;

/**
 * Keys are created and revoked by the keys CLI, another process, so their `user.activity` comes
 * from watching the table: each change is published once.
 */
@Injectable()
export class KeyActivityWatcher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(KeyActivityWatcher.name);
  private since = new Date().toISOString();
  /** Changes already published, by `action:id`, with the time they happened. */
  private readonly published = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  private polling = false;

  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly log: EventLog,
    private readonly leadership: Leadership,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.poll(), POLL_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    const startedAt = Date.now();
    try {
      // One instance publishes; the others keep their place so that any can take over.
      const leads = await this.leadership.claim('key-activity', 3 * POLL_MS);
      for (const key of leads ? await this.keys.changedSince(this.since) : []) {
        if (key.created_at >= this.since)
          await this.publishOnce('key.created', key.id, key.created_at, key);
        if (key.revoked_at !== null && key.revoked_at >= this.since) {
          await this.publishOnce('key.revoked', key.id, key.revoked_at, key);
        }
      }
      this.since = new Date(startedAt - OVERLAP_MS).toISOString();
      for (const [change, at] of this.published) if (at < this.since) this.published.delete(change);
    } catch (error) {
      this.logger.warn(`Could not read key changes: ${String(error)}`);
    } finally {
      this.polling = false;
    }
  }

  private async publishOnce(
    action: 'key.created' | 'key.revoked',
    id: string,
    at: string,
    key: { organization_id: string; user_id: string },
  ): Promise<void> {
    const change = `${action}:${id}`;
    if (this.published.has(change)) return;
    await this.log.publish(userActivity(key.organization_id, key.user_id, action, 'api_key', id));
    this.published.set(change, at);
  }
}
