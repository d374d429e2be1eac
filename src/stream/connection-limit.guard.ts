import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import type { AuthenticatedRequest } from '../auth/api-key.guard';
import { ApiError } from '../common/api-error';
import { AppConfig } from '../config/app-config';
import { ConnectionLimiter } from './connection-limiter';

export const CONNECTION_RETRY_AFTER_SECONDS = 60;

/**
 * Takes one of the key's stream slots, or refuses with 429 before the stream opens. The slot is
 * given back when the response closes, however it ends: client gone, server close, error, or a
 * refusal by a later pipe.
 */
@Injectable()
export class ConnectionLimitGuard implements CanActivate {
  constructor(
    private readonly limiter: ConnectionLimiter,
    private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const caller = http.getRequest<AuthenticatedRequest>().caller;
    if (!caller) throw new Error('ConnectionLimitGuard must run after the ApiKeyGuard');
    const lease = await this.limiter.acquire(caller.keyId);
    if (!lease) {
      const max = this.config.stream.maxConnectionsPerKey;
      throw new ApiError(
        HttpStatus.TOO_MANY_REQUESTS,
        'RATE_LIMITED',
        `Too many connections: at most ${max} concurrent streams per API key`,
        undefined,
        CONNECTION_RETRY_AFTER_SECONDS,
      );
    }
    const response = http.getResponse<Response>();
    if (response.closed) lease.release();
    else response.once('close', () => lease.release());
    return true;
  }
}
