import {
  applyDecorators,
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  Type,
  UseInterceptors,
} from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { map, Observable } from 'rxjs';

export const STREAM_POSITION_HEADER = 'X-Stream-Position';

/** A result and the log position at which it holds (see EventLog.snapshot and transaction). */
export interface Positioned<T> {
  result: T;
  position: string;
}

/** A response body with the position its `X-Stream-Position` header carries. */
export class AtPosition<T> {
  constructor(
    readonly body: T,
    readonly position: string,
  ) {}

  static of<T, R>(positioned: Positioned<T>, toBody: (result: T) => R): AtPosition<R> {
    return new AtPosition(toBody(positioned.result), positioned.position);
  }
}

@Injectable()
class StreamPositionInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      map((value: unknown) => {
        if (!(value instanceof AtPosition)) return value;
        context
          .switchToHttp()
          .getResponse<Response>()
          .setHeader(STREAM_POSITION_HEADER, value.position);
        return value.body as unknown;
      }),
    );
  }
}

/**
 * The route answers with `X-Stream-Position`: a stream opened with `last_event_id` set to it
 * carries exactly the changes its response does not show. Handlers return an AtPosition.
 */
export function RespondsWithStreamPosition(
  status: number,
  type?: Type<unknown>,
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    UseInterceptors(StreamPositionInterceptor),
    ApiResponse({
      status,
      type,
      headers: {
        [STREAM_POSITION_HEADER]: {
          description: 'The event id at which this response holds; resume a stream from it',
          schema: { type: 'string', example: '1764720000000-42' },
        },
      },
    }),
  );
}
