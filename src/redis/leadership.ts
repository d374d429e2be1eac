import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';

/**
 * Periodic producers (system.health, analytics.update, key activity) must run once per deployment,
 * not once per instance: before each run they ask whether this instance leads the job.
 */
export abstract class Leadership {
  /** True when this instance leads `job` for the next `ttlMs`; a leader extends its term. */
  abstract claim(job: string, ttlMs: number): Promise<boolean>;
}

/** One process: it leads everything. */
export class SoleInstance extends Leadership {
  async claim(): Promise<boolean> {
    return true;
  }
}

/** Extends the term of its holder, or takes a free one. Atomic. */
const CLAIM = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0`;

/** Leadership as a Redis key with expiry: if the leader dies, another instance takes over. */
export class RedisLeadership extends Leadership {
  private readonly instanceId = randomBytes(8).toString('hex');

  constructor(private readonly redis: Redis) {
    super();
  }

  async claim(job: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(CLAIM, 1, `leader:${job}`, this.instanceId, ttlMs)) === 1;
  }
}
