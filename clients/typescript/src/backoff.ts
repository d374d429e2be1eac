export const DEFAULT_BASE_MS = 1000;
export const DEFAULT_CAP_MS = 30_000;

/**
 * Exponential backoff with full jitter: the n-th consecutive retry waits a random time below
 * min(cap, base * 2^n), so clients dropped together do not come back together. The base follows
 * the server's `retry:` line.
 */
export class Backoff {
  private failures = 0;

  constructor(
    public baseMs = DEFAULT_BASE_MS,
    private readonly capMs = DEFAULT_CAP_MS,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next retry; each call counts one more consecutive failure. */
  next(): number {
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** this.failures);
    this.failures = Math.min(this.failures + 1, 32);
    return Math.floor(this.random() * ceiling);
  }

  /** A connection opened: the next failure starts from the base again. */
  reset(): void {
    this.failures = 0;
  }
}

/** A `Retry-After` header (seconds, or an HTTP date) in milliseconds; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(header)) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
