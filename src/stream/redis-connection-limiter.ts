import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { needsRedis } from '../redis/needs-redis';
import { ConnectionLease, ConnectionLimiter, SlotsFull } from './connection-limiter';

/**
 * Drops expired leases, then takes one if the key holds fewer than the maximum: 0. Otherwise the
 * milliseconds until the earliest lease expires (at least 1), when a slot frees unless renewed.
 * Atomic.
 */
const ACQUIRE = `
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  local earliest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(earliest[2]) - ms)
end
redis.call('ZADD', KEYS[1], ms + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 0`;

/** Extends a lease that still exists. */
const RENEW = `
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
if redis.call('ZADD', KEYS[1], 'XX', 'CH', ms + tonumber(ARGV[2]), ARGV[1]) == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1`;

const slotsKey = (keyId: string) => `slots:${keyId}`;

/**
 * The per-key limit across every instance: each open stream holds a lease in a sorted set per key,
 * scored by its expiry (Redis's own clock), renewed while the stream lives.
 */
@Injectable()
export class RedisConnectionLimiter extends ConnectionLimiter implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisConnectionLimiter.name);
  /** This instance's live leases: lease id to key id. */
  private readonly leases = new Map<string, string>();
  private readonly renewal: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {
    super();
    // A slot lives for the lease unless renewed, so a crashed instance's slots come back.
    this.renewal = setInterval(() => void this.renew(), config.stream.slotLeaseMs / 3).unref();
  }

  async acquire(keyId: string): Promise<ConnectionLease | SlotsFull> {
    const leaseId = randomBytes(8).toString('hex');
    const max = this.config.stream.maxConnectionsPerKey;
    const waitMs = Number(
      await needsRedis(this.redis, () =>
        this.redis.eval(ACQUIRE, 1, slotsKey(keyId), leaseId, max, this.config.stream.slotLeaseMs),
      ),
    );
    if (waitMs > 0) return { retryAfterMs: waitMs };
    this.leases.set(leaseId, keyId);
    return {
      release: () => {
        if (!this.leases.delete(leaseId)) return;
        this.redis.zrem(slotsKey(keyId), leaseId).catch((error: Error) => {
          this.logger.warn(
            `Could not release a stream slot (it expires by itself): ${error.message}`,
          );
        });
      },
    };
  }

  onApplicationShutdown(): void {
    clearInterval(this.renewal);
  }

  private async renew(): Promise<void> {
    if (this.leases.size === 0) return;
    const pipeline = this.redis.pipeline();
    for (const [leaseId, keyId] of this.leases)
      pipeline.eval(RENEW, 1, slotsKey(keyId), leaseId, this.config.stream.slotLeaseMs);
    await pipeline
      .exec()
      .catch((error: Error) => this.logger.warn(`Could not renew stream slots: ${error.message}`));
  }
}
