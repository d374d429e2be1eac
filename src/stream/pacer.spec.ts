import { Pacer } from './pacer';

/** How many of `attempts` takes at instant `now` succeed. */
function takes(pacer: Pacer, now: number, attempts = 1000): number {
  let taken = 0;
  for (let i = 0; i < attempts; i += 1) if (pacer.tryTake(now)) taken += 1;
  return taken;
}

describe('Pacer', () => {
  it("starts with a burst of one second's worth", () => {
    expect(takes(new Pacer(120, 0), 0)).toBe(2);
    expect(takes(new Pacer(1000, 0), 0)).toBe(17);
    expect(takes(new Pacer(600, 0), 0)).toBe(10);
  });

  it('allows a burst of at least one event at very low rates', () => {
    expect(takes(new Pacer(1, 0), 0)).toBe(1);
    expect(takes(new Pacer(30, 0), 0)).toBe(1);
  });

  it('refuses once the burst is spent, then refills at the rate', () => {
    const pacer = new Pacer(120, 0); // one token every 500 ms
    expect(takes(pacer, 0)).toBe(2);
    expect(pacer.tryTake(499)).toBe(false);
    expect(pacer.tryTake(500)).toBe(true);
    expect(pacer.tryTake(500)).toBe(false);
    expect(pacer.tryTake(1000)).toBe(true);
  });

  it('does not save up more than one burst however long it was idle', () => {
    const pacer = new Pacer(120, 0);
    takes(pacer, 0);
    expect(takes(pacer, 3_600_000)).toBe(2);
  });

  it('keeps a failed attempt from costing anything', () => {
    const pacer = new Pacer(120, 0);
    takes(pacer, 0);
    expect(pacer.tryTake(100)).toBe(false);
    expect(pacer.tryTake(250)).toBe(false);
    expect(pacer.tryTake(400)).toBe(false);
    // Time spent failing still counts towards the next token (501, not 500: floating point).
    expect(pacer.tryTake(501)).toBe(true);
  });

  it('lets through about `perMinute` events a minute under constant demand', () => {
    const pacer = new Pacer(1000, 0);
    let sent = 0;
    for (let now = 0; now < 60_000; now += 100) sent += takes(pacer, now, 100);
    // The limit, plus the initial burst, give or take the last tick's rounding.
    expect(sent).toBeGreaterThanOrEqual(1000);
    expect(sent).toBeLessThanOrEqual(1000 + 17);
  });

  it('tells how long a backlog takes to send at the paced rate', () => {
    expect(new Pacer(600, 0).millisecondsFor(6)).toBe(600);
    expect(new Pacer(120, 0).millisecondsFor(3)).toBe(1500);
    expect(new Pacer(1000, 0).millisecondsFor(1)).toBe(60);
    expect(new Pacer(1000, 0).millisecondsFor(0)).toBe(0);
  });
});
