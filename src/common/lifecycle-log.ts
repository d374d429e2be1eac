import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationShutdown,
} from '@nestjs/common';
import type { AddressInfo } from 'node:net';

const logger = new Logger('Lifecycle');

/** Where the service answers: `localhost` stands for "every interface", so the URL works as is. */
export function logListening({ address, port }: AddressInfo): void {
  const everyInterface = address === '::' || address === '0.0.0.0';
  const host = everyInterface ? 'localhost' : address.includes(':') ? `[${address}]` : address;
  const where = everyInterface ? ' (every interface)' : '';
  logger.log({ address, port }, `Listening on http://${host}:${port}${where}`);
}

/** Says when a shutdown begins (streams are ended, the server stops) and when it is over. */
@Injectable()
export class ShutdownLog implements BeforeApplicationShutdown, OnApplicationShutdown {
  beforeApplicationShutdown(signal?: string): void {
    logger.log({ signal }, `Shutting down${signal ? ` on ${signal}` : ''}: ending streams`);
  }

  onApplicationShutdown(): void {
    logger.log('Stopped');
  }
}
