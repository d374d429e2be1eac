import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { acceptsEventStream } from '../common/accepts-event-stream';
import { ApiError } from '../common/api-error';

/** The stream answers only clients that say they read Server-Sent Events. */
@Injectable()
export class EventStreamAcceptGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (acceptsEventStream(context.switchToHttp().getRequest<Request>())) return true;
    throw new ApiError(
      HttpStatus.NOT_ACCEPTABLE,
      'NOT_ACCEPTABLE',
      'Send "Accept: text/event-stream" to open the stream',
    );
  }
}
