import { runFanout } from '../bench/fanout';

/**
 * The fan-out benchmark on a tiny scale, through the same code as `npm run bench:fanout`, so the
 * harness cannot rot: the service (from source, no build needed) and the raw baseline each start,
 * take 5 subscribers, and deliver 5 memories one at a time and 5 at a fixed rate.
 */
describe('benchmark harness (smoke)', () => {
  it('runs the fan-out on the service and the baseline with nothing lost', async () => {
    const result = await runFanout({
      subscribers: 5,
      memories: 5,
      rate: 50,
      warmup: 2,
      createWarmup: 2,
      runs: 1,
      fromSource: true,
    });
    const [run] = result.details.runs;
    for (const target of [run.service, run.baseline]) {
      expect(target.connected).toBe(5);
      for (const phase of [target.sequential, target.rate]) {
        expect(phase).toMatchObject({ failedCreates: 0, deliveries: 25, expected: 25, lost: 0 });
        expect(phase.duplicates).toBe(0);
        expect(phase.p50Ms).toBeGreaterThan(0);
        expect(phase.p99Ms).toBeGreaterThanOrEqual(phase.p50Ms);
        expect(phase.maxMs).toBeLessThan(10_000);
        expect(phase.deliveriesPerSecond).toBeGreaterThan(0);
        expect(Number.isFinite(phase.serverCpuPer100k)).toBe(true);
      }
    }
    expect(result.rows.find((row) => row.metric === 'one at a time: events lost')).toMatchObject({
      service: 0,
      baseline: 0,
      met: true,
    });
  }, 30_000);
});
