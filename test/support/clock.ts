/** Everything but `Date`: timers, ticks and I/O stay real, so the HTTP server keeps running. */
const REAL = [
  'hrtime',
  'nextTick',
  'performance',
  'queueMicrotask',
  'requestAnimationFrame',
  'cancelAnimationFrame',
  'requestIdleCallback',
  'cancelIdleCallback',
  'setImmediate',
  'clearImmediate',
  'setInterval',
  'clearInterval',
  'setTimeout',
  'clearTimeout',
] as const;

/**
 * Freezes `Date` at `at`; `set` moves it. Always `restore()`. The clock is a true boundary: lists
 * are ordered by creation time, and pacing and ticket expiry are measured on it.
 */
export function freezeDate(at: number): { set(ms: number): void; restore(): void } {
  jest.useFakeTimers({ now: at, doNotFake: [...REAL] });
  return {
    set: (ms) => jest.setSystemTime(ms),
    restore: () => jest.useRealTimers(),
  };
}

/** Runs `body` with only `Date` faked, at whatever instants `at` sets. */
export async function withFakeDate<T>(body: (at: (iso: string) => void) => Promise<T>): Promise<T> {
  const clock = freezeDate(Date.now());
  try {
    return await body((iso) => clock.set(new Date(iso).getTime()));
  } finally {
    clock.restore();
  }
}
