import request, { type Response } from 'supertest';

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

/** Creates a memory through the API as `key`'s owner; fails unless it answers 201. */
export async function postMemory(
  url: string,
  key: string,
  body: Record<string, unknown>,
): Promise<{ id: string } & Record<string, unknown>> {
  return (await request(url).post('/api/v1/memories').set(bearer(key)).send(body).expect(201))
    .body as { id: string } & Record<string, unknown>;
}
