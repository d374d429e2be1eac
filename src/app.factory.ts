import { INestApplication, RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import type { NextFunction, Request, Response } from 'express';
import { authenticateBeforeBody } from './auth/authenticate-before-body';
import { Authenticator } from './auth/authenticator';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { answerClientErrors } from './common/client-errors';
import { bodyParserErrors, requireJsonBody, requireStorableJsonBody } from './common/body-parsing';
import { corsOptions } from './cors';
import { ExpressAdapterWithPrototypes } from './common/express-adapter';
import { assignRequestId } from './logging/request-id';
import { limitSlowSenders } from './common/slow-senders';
import { requireStorableUrlText } from './common/url-text';
import { createValidationPipe } from './common/validation.pipe';
import { AppConfig } from './config/app-config';
import { dashboardFiles } from './dashboard/dashboard-files';
import { TICKET_SECURITY } from './stream/stream.api-docs';
import { HttpStatsRecorder } from './health/http-stats.recorder';

/**
 * Room for the largest valid memory even when every character is sent as a six-byte \uXXXX
 * escape: 50,000 of content, 500 of title, 20 tags of 64, and 16 KiB of metadata.
 */
const JSON_BODY_LIMIT = '1mb';

/** Where the API's routes live; every one of them needs a key. */
const API_PREFIX = 'api/v1';

function setUpOpenApi(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('mnemo')
      .setDescription('Memories with a real-time event stream')
      .setVersion('1')
      // Keys are opaque (mnemo_...), not JWTs: addBearerAuth() would say bearerFormat JWT.
      .addSecurity('bearer', {
        type: 'http',
        scheme: 'bearer',
        description: 'An API key: Authorization: Bearer mnemo_...',
      })
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'api-key')
      .addApiKey(
        {
          type: 'apiKey',
          in: 'query',
          name: 'ticket',
          description: 'A single-use ticket from POST /api/v1/stream/tickets (GET /stream only)',
        },
        TICKET_SECURITY,
      )
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
}

/** Builds the application as both `main.ts` and the e2e tests run it. */
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config),
    new ExpressAdapterWithPrototypes(),
    { bodyParser: false, bufferLogs: true },
  );
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  answerClientErrors(app.getHttpServer());
  limitSlowSenders(app.getHttpServer(), config.http);
  // The request id comes first so that even a refused body is answered and logged with it.
  app.use((request: Request & { id?: string }, response: Response, next: NextFunction) => {
    request.id = assignRequestId(request, response);
    next();
  });
  // Before the body checks, so that preflights and refusals alike carry the CORS headers.
  if (config.corsOrigins.length > 0) app.enableCors(corsOptions(config.corsOrigins));
  app.use(app.get(HttpStatsRecorder).middleware);
  app.use(requireStorableUrlText);
  app.use(authenticateBeforeBody(app.get(Authenticator), `/${API_PREFIX}/`));
  app.use(requireJsonBody);
  // Not strict: a body of null or 5 is valid JSON, refused below as "not an object", in words.
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT, strict: false });
  app.use(requireStorableJsonBody);
  app.use(bodyParserErrors);
  app.use(dashboardFiles());
  // Probes and the scrape endpoint live where orchestrators and Prometheus look for them.
  app.setGlobalPrefix(API_PREFIX, {
    exclude: [
      { path: 'health', method: RequestMethod.GET },
      { path: 'health/live', method: RequestMethod.GET },
      { path: 'health/ready', method: RequestMethod.GET },
      { path: 'metrics', method: RequestMethod.GET },
    ],
  });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  app.enableShutdownHooks();
  setUpOpenApi(app);
  return app;
}
