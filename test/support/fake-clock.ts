import { createClock } from '@sinonjs/fake-timers';
import type { Clock } from '@mnemo/client';

export interface FakeClock extends Clock {
  /** Every delay asked of `setTimeout`, in order. */
  readonly delays: number[];
  /** Timers set and neither fired nor cleared. */
  pending(): number;
  /** Moves time on by `ms`, firing the timers falling due. */
  tick(ms: number): void;
  /** Moves time on to the next timer due and fires it. */
  next(): void;
}

/**
 * A clock for the client's backoff and watchdog that moves only when told, so a test sees each
 * wait asked for and runs it without wall time (the HTTP around it stays real).
 */
export function fakeClock(start = 0): FakeClock {
  const timers = createClock(start);
  const delays: number[] = [];
  return {
    delays,
    now: () => timers.now,
    setTimeout: (callback, ms) => {
      delays.push(ms);
      return timers.setTimeout(callback, ms);
    },
    clearTimeout: (handle) => timers.clearTimeout(handle as ReturnType<typeof timers.setTimeout>),
    pending: () => timers.countTimers(),
    tick: (ms) => void timers.tick(ms),
    next: () => void timers.next(),
  };
}
