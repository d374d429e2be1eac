import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { acceptsEventStream } from './accepts-event-stream';
import { ApiError, codeForStatus, ErrorBody } from './api-error';

export interface DescribedError {
  status: number;
  body: ErrorBody;
  retryAfter?: number;
}

/** The status, the one error body and the Retry-After seconds for any error. */
export function describeError(exception: unknown, requestId: string): DescribedError {
  if (exception instanceof ApiError) {
    const body: ErrorBody = {
      code: exception.code,
      message: exception.message,
      request_id: requestId,
    };
    if (exception.details !== undefined) body.details = exception.details;
    return { status: exception.getStatus(), body, retryAfter: exception.retryAfterSeconds };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    return {
      status,
      body: { code: codeForStatus(status), message: exception.message, request_id: requestId },
    };
  }
  const message = 'An unexpected error occurred';
  return { status: 500, body: { code: 'INTERNAL_ERROR', message, request_id: requestId } };
}

/** Turns every error into the one error body, with the request id. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request & { id?: string }>();
    const response = http.getResponse<Response>();
    const { status, body, retryAfter } = describeError(exception, String(request.id ?? ''));
    if (status >= 500) this.logger.error(exception);
    if (response.headersSent) {
      response.end();
      return;
    }
    if (retryAfter !== undefined) response.setHeader('Retry-After', String(retryAfter));
    // Refused before its body has arrived (say, without a valid key): the rest of the body is
    // not waited for, and the connection ends with the answer.
    if (!request.complete) response.setHeader('Connection', 'close');
    if (acceptsEventStream(request)) {
      // SSE clients read the refusal as the stream's own error event.
      const data = { ...body, retry_after: (retryAfter ?? 0) * 1000 };
      response
        .status(status)
        .type('text/event-stream')
        .send(`event: error\ndata: ${JSON.stringify(data)}\n\n`);
      return;
    }
    response.status(status).json(body);
  }
}
