import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ApiKeyRepository } from '../auth/api-key.repository';
import { ApiKeyService } from '../auth/api-key.service';
import { StreamHub } from './stream-hub';

/** How often keys revoked lately are looked up: well inside the second the contract allows. */
const RECENT_POLL_MS = 250;
/**
 * Revocations are stamped by the clock of the process that made them, a moment before they
 * commit: each look-up reaches this far behind the latest stamp seen, for late commits and clocks
 * that disagree a little.
 */
const OVERLAP_MS = 5000;
/** Every key with an open stream is checked this often all the same, whatever its stamp says. */
const FULL_CHECK_MS = 30_000;

/**
 * Closes the open streams of revoked keys, with AUTH_ERROR, within a second of the revoke.
 *
 * Keys are revoked by the keys CLI, another process, perhaps on another host, and Redis may be
 * absent (one process) or down: the database is the one place that every instance and the CLI
 * share, so every instance asks it. The question is one probe of an index of revoked keys
 * (migration 0005), usually answered with nothing, four times a second while streams are open.
 * A notice over Redis pub/sub would be quicker by a fraction of that, but is lost by an instance
 * that is disconnected when it is sent: the poll would still be needed, so it is the one way.
 */
@Injectable()
export class RevocationWatcher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RevocationWatcher.name);
  private readonly timers: NodeJS.Timeout[] = [];
  /** The latest revocation stamp seen ('' before any); unknown until first asked. */
  private latest?: string;
  private readonly running = new Set<string>();

  constructor(
    private readonly hub: StreamHub,
    private readonly apiKeys: ApiKeyService,
    private readonly keys: ApiKeyRepository,
  ) {}

  onModuleInit(): void {
    this.timers.push(
      setInterval(() => void this.checkRecent(), RECENT_POLL_MS).unref(),
      setInterval(() => void this.checkAll(), FULL_CHECK_MS).unref(),
    );
  }

  onApplicationShutdown(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  /** Closes the streams of keys revoked since a little before the latest revocation seen. */
  checkRecent(): Promise<void> {
    return this.closeRevoked('recent', async (open) => {
      this.latest ??= (await this.keys.lastRevokedAt()) ?? '';
      const since = this.latest && new Date(Date.parse(this.latest) - OVERLAP_MS).toISOString();
      const revoked = await this.keys.revokedSince(since);
      for (const { revoked_at } of revoked) if (revoked_at > this.latest) this.latest = revoked_at;
      return new Set(revoked.map(({ id }) => id).filter((id) => open.has(id)));
    });
  }

  /** Closes the streams of every revoked key among those with a stream here. */
  checkAll(): Promise<void> {
    return this.closeRevoked('all', (open) => this.apiKeys.revokedAmong([...open]));
  }

  /** One check of each kind at a time, and none while no stream is open. */
  private async closeRevoked(
    check: string,
    revokedAmong: (open: Set<string>) => Promise<Set<string>>,
  ): Promise<void> {
    const open = this.hub.keyIds();
    if (this.running.has(check) || open.size === 0) return;
    this.running.add(check);
    try {
      const revoked = await revokedAmong(open);
      if (revoked.size > 0) {
        this.hub.closeKeys(revoked, {
          code: 'AUTH_ERROR',
          message: 'The API key was revoked',
          retry_after: 0,
        });
      }
    } catch (error) {
      this.logger.warn(`Could not check for revoked keys: ${String(error)}`);
    } finally {
      this.running.delete(check);
    }
  }
}
