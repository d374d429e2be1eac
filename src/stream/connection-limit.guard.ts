import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import type { AuthenticatedRequest } from '../auth/api-key.guard';
import { ApiError } from '../common/api-error';
import { AppConfig } from '../config/app-config';
import { ConnectionLease, ConnectionLimiter } from './connection-limiter';

/**
 * Takes one of the key's stream slots, or refuses with 429 before the stream opens, with a
 * Retry-After (whole seconds, at least 1) saying when a slot may come free. The slot is
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
    const slot = await this.limiter.acquire(caller.keyId);
    if ('retryAfterMs' in slot) {
      const max = this.config.stream.maxConnectionsPerKey;
      throw new ApiError(
        HttpStatus.TOO_MANY_REQUESTS,
        'RATE_LIMITED',
        `Too many connections: at most ${max} concurrent streams per API key`,
        undefined,
        Math.max(1, Math.ceil(slot.retryAfterMs / 1000)),
      );
    }
    releaseWhenClosed(http.getResponse<Response>(), slot);
    return true;
  }
}

/**
 * A function of its own so that the listener, which lives as long as the stream, holds the slot
 * alone and not the guard's whole execution context. A response closes once: `on`, not `once`.
 */
function releaseWhenClosed(response: Response, slot: ConnectionLease): void {
  if (response.closed) slot.release();
  else response.on('close', () => slot.release());
}
