import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ApiError } from '../common/api-error';
import { ApiKeyService } from './api-key.service';
import { Caller } from './caller';
import { ACCEPTS_TICKET, REQUIRED_SCOPES, Scope } from './scopes';
import { StreamTickets } from './stream-tickets';

/** Query parameters a client might put a key in; URLs end up in proxy logs. */
const KEY_PARAMETERS = ['api_key', 'apikey', 'key', 'token', 'access_token', 'authorization'];

export type AuthenticatedRequest = Request & { caller?: Caller };

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

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly apiKeys: ApiKeyService,
    private readonly tickets: StreamTickets,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const caller = await this.resolveCaller(
      request,
      this.metadata<boolean>(ACCEPTS_TICKET, context) === true,
    );
    const required = this.metadata<Scope[]>(REQUIRED_SCOPES, context) ?? [];
    const missing = required.filter((scope) => !caller.scopes.includes(scope));
    if (missing.length > 0) {
      throw new ApiError(
        HttpStatus.FORBIDDEN,
        'FORBIDDEN',
        `This API key lacks the scope ${missing.join(', ')}`,
      );
    }
    request.caller = caller;
    return true;
  }

  private async resolveCaller(request: Request, acceptsTicket: boolean): Promise<Caller> {
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

  private metadata<T>(key: string, context: ExecutionContext): T | undefined {
    return this.reflector.getAllAndOverride<T>(key, [context.getHandler(), context.getClass()]);
  }
}
