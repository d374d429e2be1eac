/** The recent HTTP answers, summed up. */
export interface HttpStatsSnapshot {
  /** Answers in the window. */
  requests: number;
  /** Mean duration in milliseconds; 0 when there were no answers. */
  meanDurationMs: number;
  /** Share of 5xx answers in percent; 0 when there were no answers. */
  errorRatePercent: number;
}

interface Bucket {
  /** The whole second (since the epoch) this bucket counts; -1 when never used. */
  second: number;
  requests: number;
  totalMs: number;
  errors: number;
}

/**
 * The answers of the last `seconds` seconds, summed into one bucket per second: memory stays the
 * same whatever the traffic, and a bucket is reused once its second has left the window.
 */
export class HttpStatsWindow {
  private readonly buckets: Bucket[];

  constructor(private readonly seconds: number) {
    this.buckets = Array.from({ length: seconds }, () => ({
      second: -1,
      requests: 0,
      totalMs: 0,
      errors: 0,
    }));
  }

  record(durationMs: number, status: number, nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    const bucket = this.buckets[second % this.seconds];
    if (bucket.second !== second) {
      bucket.second = second;
      bucket.requests = 0;
      bucket.totalMs = 0;
      bucket.errors = 0;
    }
    bucket.requests += 1;
    bucket.totalMs += durationMs;
    if (status >= 500) bucket.errors += 1;
  }

  /** The answers recorded in the `seconds` seconds up to `nowMs`, the current one included. */
  snapshot(nowMs: number): HttpStatsSnapshot {
    const current = Math.floor(nowMs / 1000);
    let requests = 0;
    let totalMs = 0;
    let errors = 0;
    for (const bucket of this.buckets) {
      if (bucket.second > current - this.seconds && bucket.second <= current) {
        requests += bucket.requests;
        totalMs += bucket.totalMs;
        errors += bucket.errors;
      }
    }
    return {
      requests,
      meanDurationMs: requests === 0 ? 0 : totalMs / requests,
      errorRatePercent: requests === 0 ? 0 : (errors / requests) * 100,
    };
  }
}
