import { ArgumentsHost, Catch, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AllExceptionsFilter, describeError } from '../common/all-exceptions.filter';
import { MetricsService } from '../metrics/metrics.service';
import { StreamRefusalReason } from './stream-reasons';

const reasonByStatus: Record<number, StreamRefusalReason> = {
  401: 'auth',
  403: 'forbidden',
  406: 'not_acceptable',
  429: 'connection_limit',
};

/** Counts the stream's refusals by reason, then answers them as everywhere else. */
@Catch()
@Injectable()
export class StreamRefusalFilter extends AllExceptionsFilter {
  constructor(private readonly metrics: MetricsService) {
    super();
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    const { status } = describeError(exception, '');
    const request = host.switchToHttp().getRequest<Request>();
    if (!request.res?.headersSent) {
      this.metrics.connectionsRefused.inc({
        reason: reasonByStatus[status] ?? (status < 500 ? 'bad_request' : 'error'),
      });
    }
    super.catch(exception, host);
  }
}
