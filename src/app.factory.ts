import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import type { NextFunction, Request, Response } from 'express';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { bodyParserErrors, requireJsonBody } from './common/body-parsing';
import { assignRequestId } from './common/request-id';
import { createValidationPipe } from './common/validation.pipe';
import { AppConfig } from './config/app-config';

/** Large enough for 50,000 four-byte characters of content plus 16 KiB of metadata. */
const JSON_BODY_LIMIT = '256kb';

function setUpOpenApi(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('mnemo')
      .setDescription('Memories with a real-time event stream')
      .setVersion('1')
      .addBearerAuth()
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'api-key')
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
}

/** Builds the application as both `main.ts` and the e2e tests run it. */
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  // The request id comes first so that even a refused body is answered and logged with it.
  app.use((request: Request & { id?: string }, response: Response, next: NextFunction) => {
    request.id = assignRequestId(request, response);
    next();
  });
  app.use(requireJsonBody);
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT });
  app.use(bodyParserErrors);
  app.setGlobalPrefix('api/v1');
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  app.enableShutdownHooks();
  setUpOpenApi(app);
  return app;
}
