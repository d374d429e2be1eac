import { Injectable, Logger } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';

/** A probe that has not answered within this long counts as down. */
const TIMEOUT_MS = 1000;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Asks one dependency, reported under `key`. A failure is `down` with a generic message (probes
 * need no key, so they reveal nothing more); the cause goes to the log.
 */
@Injectable()
export class Probe {
  private readonly logger = new Logger('HealthCheck');

  constructor(private readonly indicators: HealthIndicatorService) {}

  async check<const Key extends string>(
    key: Key,
    query: () => Promise<unknown>,
  ): Promise<HealthIndicatorResult<Key>> {
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

/** Whether every service of a probe's result is up. */
export const isUp = (result: HealthIndicatorResult): boolean =>
  Object.values(result).every(({ status }) => status === 'up');
