import { HttpStatus, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ApiError } from '../common/api-error';
import { ApiKeyService } from './api-key.service';
import { Caller } from './caller';
import { StreamTickets } from './stream-tickets';

/** Query parameters a client might put a key in; URLs end up in proxy logs. */
const KEY_PARAMETERS = ['api_key', 'apikey', 'key', 'token', 'access_token', 'authorization'];

/** The raw key from `Authorization: Bearer <key>` or `X-API-Key: <key>`; never from the URL. */
function credentialOf(request: Request): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) {
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        'AUTH_ERROR',
        'The Authorization header must be "Bearer <api-key>"',
      );
    }
    return match[1];
  }
  const header = request.headers['x-api-key'];
  return typeof header === 'string' ? header.trim() : undefined;
}

/**
 * Who is calling, from the request's key or stream ticket, or the refusal. The one verification
 * of credentials: the ApiKeyGuard asks it, and so does the check made before a request's body is
 * read. Asked twice about one request, it answers once (a ticket is spent by redeeming it).
 */
@Injectable()
export class Authenticator {
  private readonly callers = new WeakMap<Request, Promise<Caller>>();

  constructor(
    private readonly apiKeys: ApiKeyService,
    private readonly tickets: StreamTickets,
  ) {}

  callerOf(request: Request, acceptsTicket: boolean): Promise<Caller> {
    let caller = this.callers.get(request);
    if (!caller) {
      caller = this.resolve(request, acceptsTicket);
      this.callers.set(request, caller);
    }
    return caller;
  }

  private async resolve(request: Request, acceptsTicket: boolean): Promise<Caller> {
    const inUrl = KEY_PARAMETERS.find((name) => name in request.query);
    if (inUrl) {
      throw new ApiError(
        HttpStatus.BAD_REQUEST,
        'VALIDATION_ERROR',
        `API keys are never accepted in URLs ("${inUrl}"): send "Authorization: Bearer <api-key>", or use a stream ticket`,
      );
    }
    const ticket = request.query.ticket;
    if (acceptsTicket && typeof ticket === 'string') {
      const keyId = await this.tickets.redeem(ticket);
      const caller = keyId && (await this.apiKeys.authenticateById(keyId));
      if (!caller)
        throw new ApiError(
          HttpStatus.UNAUTHORIZED,
          'AUTH_ERROR',
          'Invalid, used or expired stream ticket',
        );
      return caller;
    }
    const credential = credentialOf(request);
    if (!credential) {
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        'AUTH_ERROR',
        'Missing API key: send "Authorization: Bearer <api-key>" or "X-API-Key: <api-key>"',
      );
    }
    const caller = await this.apiKeys.authenticate(credential);
    if (!caller) throw new ApiError(HttpStatus.UNAUTHORIZED, 'AUTH_ERROR', 'Invalid API key');
    return caller;
  }
}
