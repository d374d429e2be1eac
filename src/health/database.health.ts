import { Inject, Injectable, Logger } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { CompiledQuery } from 'kysely';
import { DATABASE } from '../database/database.module';
import { Database } from '../database/database.types';
import { EventNotifier } from '../events/event-notifier';
import { SearchRepository } from '../search/search.repository';

/** A probe that has not answered within this long counts as down. */
const TIMEOUT_MS = 1000;

const PING = CompiledQuery.raw('select 1');

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Terminus indicators for the storage the service depends on. A failure is reported as `down`
 * with a generic message (probes need no key, so they reveal nothing more); the cause is logged.
 */
@Injectable()
export class DatabaseHealthIndicator {
  private readonly logger = new Logger(DatabaseHealthIndicator.name);

  constructor(
    @Inject(DATABASE) private readonly db: Database,
    private readonly search: SearchRepository,
    private readonly notifier: EventNotifier,
    private readonly indicators: HealthIndicatorService,
  ) {}

  /** The database answers a trivial query. */
  pingCheck<const Key extends string>(key: Key) {
    return this.probe(key, () => this.db.executeQuery(PING));
  }

  /** News of events reaches the other instances (Redis answers, when the service runs on Redis). */
  busCheck<const Key extends string>(key: Key) {
    return this.probe(key, () => this.notifier.ping());
  }

  /** The memories' full-text index answers a query. */
  searchCheck<const Key extends string>(key: Key) {
    return this.probe(key, () => this.search.probe());
  }

  private async probe<const Key extends string>(key: Key, query: () => Promise<unknown>) {
    const indicator = this.indicators.check(key);
    try {
      await withTimeout(query(), TIMEOUT_MS);
      return indicator.up();
    } catch (error) {
      this.logger.warn(`Health check ${key} failed: ${(error as Error)?.message ?? error}`);
      return indicator.down({ message: `${key} is not answering` });
    }
  }
}
