import type { Response } from 'supertest';

export interface ErrorBody {
  code: string;
  message: string;
  details?: unknown;
  request_id: string;
}

/** Headers that authenticate as `key` with the Bearer form. */
export function bearer(key: string): Record<string, string> {
  return { Authorization: `Bearer ${key}` };
}

/**
 * Asserts the one error body of CONTRACT.md (Errors): status, code, a message, a request id that
 * equals the X-Request-Id header, and no other fields.
 */
export function expectApiError(response: Response, status: number, code: string): ErrorBody {
  expect({ status: response.status, code: response.body?.code }).toEqual({ status, code });
  const body = response.body as ErrorBody;
  expect(body.message).toEqual(expect.stringMatching(/\S/));
  expect(body.request_id).toEqual(expect.stringMatching(/\S/));
  expect(response.headers['x-request-id']).toBe(body.request_id);
  for (const field of Object.keys(body)) {
    expect(['code', 'message', 'details', 'request_id']).toContain(field);
  }
  return body;
}
