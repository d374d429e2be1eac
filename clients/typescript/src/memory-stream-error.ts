/**
 * Why a stream stopped or is reconnecting. Server codes (`CONNECTION_ERROR`, `AUTH_ERROR`,
 * `RATE_LIMITED`, or the refusal's code such as `FORBIDDEN`) and the client's own:
 * `NETWORK_ERROR` (the connection failed or dropped), `HEARTBEAT_TIMEOUT` (nothing arrived for
 * twice the heartbeat interval), `INVALID_RESPONSE` (not an event stream).
 */
export class MemoryStreamError extends Error {
  override readonly name = 'MemoryStreamError';

  constructor(
    readonly code: string,
    message: string,
    /** True when the stream has stopped for good; otherwise it is reconnecting. */
    readonly fatal: boolean,
    /** Milliseconds the server asked the client to wait before reconnecting. */
    readonly retryAfter?: number,
    /** The HTTP status of a refused connection. */
    readonly status?: number,
  ) {
    super(message);
  }
}
