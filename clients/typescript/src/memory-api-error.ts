/** A refused REST call, with the API's one error body (`code`, `message`, `request_id`). */
export class MemoryApiError extends Error {
  override readonly name = 'MemoryApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
