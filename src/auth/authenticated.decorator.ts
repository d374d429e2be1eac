import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import { ApiErrors } from '../common/documented-errors';
import { ApiKeyGuard } from './api-key.guard';
import { ACCEPTS_TICKET, REQUIRED_SCOPES, Scope } from './scopes';

/** Requires a valid API key holding every scope given (and documents both ways to send one). */
export function Authenticated(...scopes: Scope[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(REQUIRED_SCOPES, scopes),
    UseGuards(ApiKeyGuard),
    ApiBearerAuth(),
    ApiSecurity('api-key'),
    ApiErrors(401, 403),
  );
}

/** Lets a route also take a stream ticket from `?ticket=` (browsers' EventSource sends no headers). */
export function AcceptsStreamTicket(): MethodDecorator {
  return SetMetadata(ACCEPTS_TICKET, true);
}
