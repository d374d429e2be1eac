import { Type } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { Response } from 'express';

export const STREAM_POSITION_HEADER = 'X-Stream-Position';

/** A result and the log position at which it holds (see EventLog.snapshot and transaction). */
export interface Positioned<T> {
  result: T;
  position: string;
}

/**
 * Sets `X-Stream-Position` and gives the body. (A header set here rather than by an interceptor:
 * Nest's interceptor pipeline cost 3% of a create's CPU.)
 */
export function respondAt<T, R>(
  response: Response,
  positioned: Positioned<T>,
  toBody: (result: T) => R,
): R {
  response.setHeader(STREAM_POSITION_HEADER, positioned.position);
  return toBody(positioned.result);
}

/**
 * Documents a response with `X-Stream-Position`: a stream opened with `last_event_id` set to it
 * carries exactly the changes the response does not show.
 */
export function RespondsWithStreamPosition(status: number, type?: Type<unknown>): MethodDecorator {
  return ApiResponse({
    status,
    type,
    headers: {
      [STREAM_POSITION_HEADER]: {
        description: 'The event id at which this response holds; resume a stream from it',
        schema: { type: 'string', example: '1764720000000-42' },
      },
    },
  });
}
