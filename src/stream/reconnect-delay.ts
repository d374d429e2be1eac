const RECONNECT_BASE_MS = 1000;
const RECONNECT_JITTER_MS = 4000;

/** A `retry_after` that spreads reconnects when many streams close at once. */
export const jitteredRetry = (): number =>
  RECONNECT_BASE_MS + Math.floor(Math.random() * RECONNECT_JITTER_MS);
