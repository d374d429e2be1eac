import { Backoff, retryAfterMs } from './backoff';

describe('Backoff', () => {
  it('doubles the ceiling on each consecutive failure, from the base up to the cap', () => {
    const ceilings = new Backoff(1000, 30_000, () => 0.999999);
    const delays = Array.from({ length: 7 }, () => ceilings.next());
    expect(delays).toEqual([999, 1999, 3999, 7999, 15_999, 29_999, 29_999]);
  });

  it('draws each delay uniformly below the ceiling (full jitter), down to zero', () => {
    const draws = [0, 0.5, 0.25];
    const backoff = new Backoff(1000, 30_000, () => draws.shift() ?? 0);
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([0, 1000, 1000]);
  });

  it('starts again from the base after a reset', () => {
    const backoff = new Backoff(1000, 30_000, () => 0.5);
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(500);
  });

  it("takes the server's retry as the base", () => {
    const backoff = new Backoff(1000, 30_000, () => 0.5);
    backoff.baseMs = 3000;
    expect([backoff.next(), backoff.next()]).toEqual([1500, 3000]);
  });

  it('stays at the cap however many failures follow', () => {
    const backoff = new Backoff(1000, 30_000, () => 0.5);
    for (let i = 0; i < 100; i += 1) backoff.next();
    expect(backoff.next()).toBe(15_000);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds', () => {
    expect(retryAfterMs('60')).toBe(60_000);
    expect(retryAfterMs(' 0 ')).toBe(0);
  });

  it('reads an HTTP date as the time left until it', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(retryAfterMs('Tue, 01 Jan 2030 00:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('Mon, 31 Dec 2029 23:59:00 GMT', now)).toBe(0);
  });

  it('gives nothing for a missing or unreadable header', () => {
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('')).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});
