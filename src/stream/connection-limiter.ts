/** One stream's claim on its key's connection budget. Releasing twice is harmless. */
export interface ConnectionLease {
  release(): void;
}

/** Every slot of the key is held: one may come free this long from now. */
export interface SlotsFull {
  retryAfterMs: number;
}

/**
 * At most N concurrent streams per API key. In this process by default; shared by every
 * instance when scaled out.
 */
export abstract class ConnectionLimiter {
  /** A slot for one more stream of this key, or when to ask again if it holds the maximum. */
  abstract acquire(keyId: string): Promise<ConnectionLease | SlotsFull>;
}
