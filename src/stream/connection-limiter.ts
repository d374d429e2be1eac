/** One stream's claim on its key's connection budget. Releasing twice is harmless. */
export interface ConnectionLease {
  release(): void;
}

/**
 * At most N concurrent streams per API key. In this process by default; shared by every
 * instance when scaled out.
 */
export abstract class ConnectionLimiter {
  /** A slot for one more stream of this key, or null when the key holds the maximum already. */
  abstract acquire(keyId: string): Promise<ConnectionLease | null>;
  /** Streams currently open for the key. */
  abstract count(keyId: string): Promise<number>;
}
