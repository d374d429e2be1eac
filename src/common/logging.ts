import type { IncomingMessage } from 'node:http';
import type { Params } from 'nestjs-pino';
import { levels } from 'pino';
import { REDACTED, redactSecrets } from '../auth/redact-secrets';
import { AppConfig } from '../config/app-config';
import { assignRequestId } from './request-id';

/** Query parameters whose name says they hold a credential, whatever the value looks like. */
const CREDENTIAL_PARAMETER =
  /([?&][^=&#]*(?:ticket|token|key|auth|secret|password)[^=&#]*=)[^&#]*/gi;

function redactedUrl(url: string | undefined): string | undefined {
  return url?.replace(CREDENTIAL_PARAMETER, `$1${REDACTED}`);
}

/** pino-http writes its one line per request at `info`, whatever the status. */
function logsRequests(level: string): boolean {
  return level !== 'silent' && levels.values[level] <= levels.values.info;
}

/** Structured JSON logs, one line per request, with the request id and never a key. */
export function loggingParams(config: AppConfig): Params {
  return {
    pinoHttp: {
      level: config.logLevel,
      // Above `info` those lines would be dropped: skip the per-request listeners that build them.
      autoLogging: logsRequests(config.logLevel),
      // Assigned by the first middleware (app.factory.ts), so body-parser refusals carry it too.
      genReqId: (request, response) =>
        (request as { id?: string }).id ?? assignRequestId(request, response),
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["proxy-authorization"]',
          'req.headers["x-api-key"]',
          'req.headers.cookie',
        ],
        censor: REDACTED,
      },
      // The last word on every line, from any logger: a key or ticket is removed by its shape,
      // wherever a client put it (any header, query parameter, path segment or echoed value).
      hooks: { streamWrite: redactSecrets },
      serializers: {
        req: (request: IncomingMessage & { id?: string; raw?: IncomingMessage }) => ({
          id: request.id,
          method: request.method,
          url: redactedUrl(request.url),
          headers: request.headers,
        }),
      },
    },
  };
}
