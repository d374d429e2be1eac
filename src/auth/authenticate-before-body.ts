import type { RequestHandler } from 'express';
import { hasBody } from '../common/body-parsing';
import { Authenticator } from './authenticator';

/**
 * Refuses a request that brings a body without valid credentials before the body is read: a
 * sender that will not be let in is not waited for (one trickling a large body would otherwise
 * hold its socket for as long as it liked). For paths under `apiPrefix`, where every route needs
 * a key. The route's ApiKeyGuard still decides, from the same answer, and checks scopes too.
 * Tickets are for browsers' EventSource, which sends no body: a request with a body needs a key.
 */
export function authenticateBeforeBody(
  authenticator: Authenticator,
  apiPrefix: string,
): RequestHandler {
  return (request, _response, next) => {
    if (!hasBody(request) || !request.path.startsWith(apiPrefix)) {
      next();
      return;
    }
    authenticator.callerOf(request, false).then(() => next(), next);
  };
}
