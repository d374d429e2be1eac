import pino from 'pino';
import type { Options } from 'pino-http';
import { Writable } from 'node:stream';
import { generateApiKey } from '../auth/api-key.format';
import { newTicket } from '../auth/stream-tickets';
import { loadConfig } from '../config/app-config';
import { loggingParams } from './logging';

function autoLoggingAt(level: string): unknown {
  const { pinoHttp } = loggingParams(loadConfig({ LOG_LEVEL: level, LOG_FORMAT: 'json' }));
  const [options] = pinoHttp as [{ autoLogging?: unknown }];
  return options.autoLogging;
}

describe('loggingParams', () => {
  it('logs one line per request where the level shows info', () => {
    for (const level of ['trace', 'debug', 'info']) expect(autoLoggingAt(level)).toBe(true);
  });

  it('leaves the per-request line out where the level would drop it anyway', () => {
    for (const level of ['warn', 'error', 'fatal', 'silent'])
      expect(autoLoggingAt(level)).toBe(false);
  });

  it('removes keys and tickets from whatever any logger writes: messages, fields, errors', () => {
    const { pinoHttp } = loggingParams(loadConfig({ LOG_LEVEL: 'trace', LOG_FORMAT: 'json' }));
    const [options] = pinoHttp as [Options];
    let written = '';
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        written += chunk.toString();
        done();
      },
    });
    const logger = pino(options as pino.LoggerOptions, sink);
    const key = generateApiKey().key;
    const ticket = newTicket();
    logger.error(new Error(`duplicate key value (${key})`), 'query failed');
    logger.info({ url: `/api/v1/stream?t=${ticket}`, headers: { referer: key } }, `saw ${key}`);
    logger.warn({ [key]: ticket }, 'echoed');

    expect(written.split('\n').filter(Boolean)).toHaveLength(3);
    expect(written).toContain('[REDACTED]');
    expect(written).not.toContain(key.slice(23));
    expect(written).not.toContain(ticket.slice(4));
  });
});
