import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { RedisLeadership } from '../src/redis/leadership';
import { REDIS_URL } from './support/backend';
import { waitUntilAsync } from './support/waits';

/** Two instances' views of one job's leadership, on the shared Redis. */
describe('leadership of periodic jobs across instances', () => {
  const prefix = `mnemo-test:${randomBytes(6).toString('hex')}:`;
  const connections: Redis[] = [];
  const instance = () => {
    const redis = new Redis(REDIS_URL, { keyPrefix: prefix });
    connections.push(redis);
    return new RedisLeadership(redis);
  };

  afterAll(() => connections.forEach((redis) => redis.disconnect()));

  it('lets one instance lead, keeps it leading while it renews, and hands over when it stops', async () => {
    const [a, b] = [instance(), instance()];
    expect(await a.claim('system-health', 1000)).toBe(true);
    expect(await b.claim('system-health', 1000)).toBe(false);
    expect(await a.claim('system-health', 1000)).toBe(true);
    expect(await b.claim('analytics', 1000)).toBe(true);
    // a stops renewing: its term runs out and b takes over.
    await waitUntilAsync(() => b.claim('system-health', 1000), 3000, 'the term to expire');
    expect(await a.claim('system-health', 1000)).toBe(false);
  });
});
