import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ApiError } from '../common/api-error';
import { Authenticator } from './authenticator';
import { Caller } from './caller';
import { ACCEPTS_TICKET, REQUIRED_SCOPES, Scope } from './scopes';

export type AuthenticatedRequest = Request & { caller?: Caller };

/** Lets a request through when its key (or ticket, where the route takes one) holds the route's scopes. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const caller = await this.authenticator.callerOf(
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

  private metadata<T>(key: string, context: ExecutionContext): T | undefined {
    return this.reflector.getAllAndOverride<T>(key, [context.getHandler(), context.getClass()]);
  }
}
