import { fakeClock } from '../../../test/support/fake-clock';
import { Watchdog } from './watchdog';

describe('Watchdog', () => {
  const watch = (timeoutMs: number) => {
    const clock = fakeClock();
    let silences = 0;
    const watchdog = new Watchdog(timeoutMs, () => (silences += 1), clock);
    return { clock, watchdog, silences: () => silences };
  };

  it('calls out silence once the timeout has passed since the last kick, not before', () => {
    const { clock, watchdog, silences } = watch(2000);
    watchdog.kick();
    clock.tick(1999);
    expect(silences()).toBe(0);
    clock.tick(1);
    expect(silences()).toBe(1);
    expect(clock.pending()).toBe(0);
  });

  it('counts the timeout from the latest kick', () => {
    const { clock, watchdog, silences } = watch(2000);
    watchdog.kick();
    clock.tick(1500);
    watchdog.kick();
    clock.tick(1999);
    expect(silences()).toBe(0);
    clock.tick(1);
    expect(silences()).toBe(1);
  });

  it('keeps one timer however often it is kicked', () => {
    const { clock, watchdog } = watch(2000);
    for (let i = 0; i < 100; i += 1) {
      watchdog.kick();
      clock.tick(10);
    }
    expect(clock.pending()).toBe(1);
    expect(clock.delays).toEqual([2000]);
  });

  it('stays quiet once stopped', () => {
    const { clock, watchdog, silences } = watch(2000);
    watchdog.kick();
    watchdog.stop();
    clock.tick(10_000);
    expect(silences()).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  it('applies a new timeout to the silence already under way, shorter or longer', () => {
    const shorter = watch(60_000);
    shorter.watchdog.kick();
    shorter.clock.tick(1000);
    shorter.watchdog.setTimeoutMs(2000);
    shorter.clock.tick(999);
    expect(shorter.silences()).toBe(0);
    shorter.clock.tick(1);
    expect(shorter.silences()).toBe(1);

    const longer = watch(2000);
    longer.watchdog.kick();
    longer.watchdog.setTimeoutMs(10_000);
    longer.clock.tick(9999);
    expect(longer.silences()).toBe(0);
    longer.clock.tick(1);
    expect(longer.silences()).toBe(1);
  });
});
