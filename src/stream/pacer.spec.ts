import { Pacer } from './pacer';

/** How many of `attempts` takes at instant `now` succeed. */
function takes(pacer: Pacer, now: number, attempts = 2000): number {
  let taken = 0;
  for (let i = 0; i < attempts; i += 1) if (pacer.tryTake(now)) taken += 1;
  return taken;
}

describe('Pacer', () => {
  it('lets a burst up to the cap through at once', () => {
    expect(takes(new Pacer(1000, 0), 0, 300)).toBe(300);
    expect(takes(new Pacer(1000, 0), 0)).toBe(1000);
    expect(takes(new Pacer(5, 0), 0)).toBe(5);
  });

  it('sends nothing more until the events of the window have aged out of it', () => {
    const pacer = new Pacer(5, 0);
    expect(takes(pacer, 0)).toBe(5);
    expect(takes(pacer, 30_000)).toBe(0);
    expect(takes(pacer, 60_999)).toBe(0);
    expect(takes(pacer, 61_000)).toBe(5);
  });

  it('frees each second’s events as that second leaves the window', () => {
    const pacer = new Pacer(4, 0);
    expect(takes(pacer, 0, 2)).toBe(2);
    expect(takes(pacer, 10_500, 2)).toBe(2);
    expect(takes(pacer, 60_999)).toBe(0);
    expect(takes(pacer, 61_000)).toBe(2);
    expect(takes(pacer, 71_000)).toBe(2);
  });

  it('never sends more than the cap in any 60-second window under constant demand', () => {
    const cap = 7;
    const pacer = new Pacer(cap, 0);
    const sent: number[] = [];
    for (let now = 0; now < 300_000; now += 100) {
      for (let n = takes(pacer, now, 3); n > 0; n -= 1) sent.push(now);
    }
    for (const at of sent) {
      expect(sent.filter((other) => other >= at && other < at + 60_000).length).toBeLessThanOrEqual(
        cap,
      );
    }
    // And it does not starve: about the cap per 61 seconds over five minutes.
    expect(sent.length).toBeGreaterThanOrEqual(cap * 4);
  });

  it('forgets everything after a long quiet stretch', () => {
    const pacer = new Pacer(3, 0);
    takes(pacer, 0);
    expect(takes(pacer, 3_600_000)).toBe(3);
  });

  it('tells how long until a backlog may be sent', () => {
    const pacer = new Pacer(4, 0);
    takes(pacer, 0, 2);
    takes(pacer, 10_000, 2);
    expect(pacer.millisecondsFor(0, 20_000)).toBe(0);
    expect(pacer.millisecondsFor(1, 20_000)).toBe(41_000);
    expect(pacer.millisecondsFor(2, 20_000)).toBe(41_000);
    expect(pacer.millisecondsFor(3, 20_000)).toBe(51_000);
    expect(new Pacer(4, 0).millisecondsFor(3, 0)).toBe(0);
  });
});
