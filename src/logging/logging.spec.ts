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
});
