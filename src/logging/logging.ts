import { RequestMethod } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import { destination, levels, type LogFn, type Logger } from 'pino';
import type { Options } from 'pino-http';
import pretty from 'pino-pretty';
import { isEventStream } from '../common/event-stream-responses';
import { REDACTED, redactSecrets } from './redact-secrets';
import { AppConfig, LogFormat } from '../config/app-config';
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

/** `GET /api/v1/memories 200 in 3 ms`: what a person scanning the log wants from each request. */
function requestLine(request: IncomingMessage, response: ServerResponse, ms?: number): string {
  const outcome = response.writableEnded ? String(response.statusCode) : 'closed by the client';
  const time = ms === undefined ? '' : ` in ${ms} ms`;
  return `${request.method} ${redactedUrl(request.url)} ${outcome}${time}`;
}

/**
 * Nest prints each controller's path with the global prefix even where the prefix is excluded
 * (`/api/v1/health`); the `Mapped {...}` lines that follow are the routes as served.
 */
const MISLEADING_CONTEXTS = new Set(['RoutesResolver']);

function dropMisleadingLines(this: Logger, args: Parameters<LogFn>, write: LogFn): void {
  const [first] = args;
  const context = typeof first === 'object' && first !== null && 'context' in first;
  if (context && MISLEADING_CONTEXTS.has(String(first.context))) return;
  write.apply(this, args);
}

function resolvedFormat(config: AppConfig): LogFormat {
  if (config.logFormat !== 'auto') return config.logFormat;
  return process.stdout.isTTY ? 'pretty' : 'json';
}

/**
 * Written synchronously: Nest ends the process with the signal right after shutdown, which
 * would drop lines still buffered (the shutdown lines above all).
 */
function logStream(format: LogFormat) {
  if (format === 'json') return destination({ dest: 1, sync: true });
  return pretty({
    sync: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context,req,res,responseTime',
    messageFormat: '{if context}[{context}] {end}{msg}',
  });
}

/**
 * One line per request with its id, method, path, status and time (no headers), never a key;
 * JSON for machines, or pretty for a terminal.
 */
export function loggingParams(config: AppConfig): Params {
  const options: Options = {
    level: config.logLevel,
    // Above `info` those lines would be dropped: skip the per-request listeners that build them.
    autoLogging: logsRequests(config.logLevel),
    // Assigned by the first middleware (app.factory.ts), so body-parser refusals carry it too.
    genReqId: (request, response) =>
      (request as { id?: string }).id ?? assignRequestId(request, response),
    // An event stream's opening and end are logged by the stream hub, with whose stream it was.
    customLogLevel: (_request, response) => (isEventStream(response) ? 'debug' : 'info'),
    customSuccessMessage: (request, response, ms) => requestLine(request, response, ms),
    customErrorMessage: (request, response) => requestLine(request, response),
    hooks: {
      logMethod: dropMisleadingLines,
      // The last word on every line, from any logger: a key or ticket is removed by its shape,
      // wherever a client put it (any header, query parameter, path segment or echoed value).
      streamWrite: redactSecrets,
    },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["proxy-authorization"]',
        'req.headers["x-api-key"]',
        'req.headers.cookie',
      ],
      censor: REDACTED,
    },
    serializers: {
      req: (request: IncomingMessage & { id?: string }) => ({
        id: request.id,
        method: request.method,
        url: redactedUrl(request.url),
      }),
      res: (response: ServerResponse) => ({ statusCode: response.statusCode }),
    },
  };
  return {
    // Every path, in the syntax of Express 5's router (nestjs-pino's default `*` draws a warning).
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
    pinoHttp: [options, logStream(resolvedFormat(config))],
  };
}
