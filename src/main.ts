import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.factory';
import { logListening } from './common/lifecycle-log';
import { ConfigError, loadConfig } from './config/app-config';

async function bootstrap(): Promise<void> {
  const config = loadConfig(process.env);
  const app = await createApp(config);
  await (
    config.host === undefined ? app.listen(config.port) : app.listen(config.port, config.host)
  ).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EADDRINUSE') throw error;
    throw new ConfigError(
      `PORT=${config.port}: port ${config.port} is already in use; stop what holds it or set PORT to a free port`,
    );
  });
  logListening(app.getHttpServer().address() as AddressInfo);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error)}\n`,
  );
  process.exit(1);
});
