/**
 * Runs `body` with only `Date` faked (timers, ticks and I/O stay real, so the HTTP server works),
 * at whatever instants `at` sets. The clock is a true boundary: lists are ordered by creation time,
 * and two memories created within one millisecond would otherwise tie.
 */
export async function withFakeDate<T>(body: (at: (iso: string) => void) => Promise<T>): Promise<T> {
  jest.useFakeTimers({
    doNotFake: [
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
    ],
  });
  try {
    return await body((iso) => jest.setSystemTime(new Date(iso)));
  } finally {
    jest.useRealTimers();
  }
}
