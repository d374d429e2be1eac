import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('uses the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      databaseUrl: 'sqlite:./data/mnemo.db',
      redis: undefined,
      logLevel: 'info',
      logFormat: 'auto',
      host: undefined,
      corsOrigins: [],
      stream: { maxConnectionsPerKey: 5, maxEventsPerMinute: 1000, heartbeatMinSeconds: 30 },
      healthIntervalSeconds: 30,
      analyticsIntervalSeconds: 60,
      http: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 },
    });
    expect(config.eventRetention.count).toBeGreaterThan(0);
    expect(config.eventRetention.seconds).toBeGreaterThan(0);
  });

  it('reads every variable, turning numbers into numbers', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'sqlite:/tmp/x.db',
      REDIS_URL: 'redis://cache:6379',
      LOG_LEVEL: 'warn',
      STREAM_MAX_CONNECTIONS_PER_KEY: '7',
      STREAM_MAX_EVENTS_PER_MINUTE: '50',
      STREAM_HEARTBEAT_MIN_SECONDS: '1',
      EVENT_RETENTION_COUNT: '123',
      EVENT_RETENTION_SECONDS: '456',
      HEALTH_INTERVAL_SECONDS: '5',
      ANALYTICS_INTERVAL_SECONDS: '6',
      HTTP_HEADERS_TIMEOUT_SECONDS: '2',
      HTTP_REQUEST_TIMEOUT_SECONDS: '3',
    });
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: 'sqlite:/tmp/x.db',
      redis: { url: 'redis://cache:6379', keyPrefix: 'mnemo:' },
      logLevel: 'warn',
      stream: { maxConnectionsPerKey: 7, maxEventsPerMinute: 50, heartbeatMinSeconds: 1 },
      eventRetention: { count: 123, seconds: 456 },
      healthIntervalSeconds: 5,
      analyticsIntervalSeconds: 6,
      http: { headersTimeoutMs: 2000, requestTimeoutMs: 3000 },
    });
  });

  it('treats an empty value as unset and ignores unrelated variables', () => {
    const config = loadConfig({ PORT: '', REDIS_URL: '', HOME: '/root', PATH: '/bin' });
    expect(config.port).toBe(3000);
    expect(config.redis).toBeUndefined();
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '3.5'],
    ['DATABASE_URL', 'mysql://db/mnemo'],
    ['DATABASE_URL', 'sqlite:'],
    ['REDIS_URL', 'http://cache:6379'],
    ['LOG_LEVEL', 'loud'],
    ['STREAM_MAX_CONNECTIONS_PER_KEY', '0'],
    ['STREAM_MAX_EVENTS_PER_MINUTE', 'many'],
    ['STREAM_HEARTBEAT_MIN_SECONDS', '301'],
    ['STREAM_HEARTBEAT_MIN_SECONDS', '0'],
    ['EVENT_RETENTION_COUNT', '0'],
    ['EVENT_RETENTION_SECONDS', '-5'],
    ['HEALTH_INTERVAL_SECONDS', '1e3'],
    ['ANALYTICS_INTERVAL_SECONDS', 'soon'],
    ['HOST', 'http://0.0.0.0'],
    ['HOST', '127.0.0.1:3000'],
    ['CORS_ORIGINS', 'app.example.com'],
    ['CORS_ORIGINS', 'https://app.example.com/'],
    ['CORS_ORIGINS', 'https://a.example.com;https://b.example.com'],
    ['LOG_FORMAT', 'text'],
    ['HTTP_HEADERS_TIMEOUT_SECONDS', '0'],
    ['HTTP_REQUEST_TIMEOUT_SECONDS', '1.5'],
  ])('throws a ConfigError naming %s for %j', (name, value) => {
    const load = () => loadConfig({ [name]: value });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(name);
  });

  it('reads the address, the CORS origins and the log format', () => {
    const config = loadConfig({
      HOST: '127.0.0.1',
      CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
      LOG_FORMAT: 'json',
    });
    expect(config).toMatchObject({
      host: '127.0.0.1',
      corsOrigins: ['https://app.example.com', 'http://localhost:5173'],
      logFormat: 'json',
    });
    for (const host of ['::', '0.0.0.0', 'localhost', 'mnemo.internal'])
      expect(loadConfig({ HOST: host }).host).toBe(host);
  });

  it.each([
    ['STREAM_HEARTBEAT_MIN_SECONDS', 'abc', 'must be an integer number'],
    ['STREAM_HEARTBEAT_MIN_SECONDS', '301', 'must not be greater than 300'],
    ['PORT', '-1', 'must not be less than 0'],
    ['STREAM_MAX_EVENTS_PER_MINUTE', '1.5', 'must be an integer number'],
  ])('says the one thing wrong with %s=%s', (name, value, rule) => {
    const load = () => loadConfig({ [name]: value });
    expect(load).toThrow(`Invalid configuration:\n  ${name}="${value}": ${name} ${rule}`);
    expect(load).not.toThrow(/;/);
  });

  it('refuses a headers timeout longer than the whole request may take, naming both', () => {
    const load = () => loadConfig({ HTTP_REQUEST_TIMEOUT_SECONDS: '5' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(
      'HTTP_HEADERS_TIMEOUT_SECONDS (10) must not be more than HTTP_REQUEST_TIMEOUT_SECONDS (5)',
    );
  });

  it('names every bad variable at once', () => {
    const load = () => loadConfig({ PORT: 'x', LOG_LEVEL: 'loud' });
    expect(load).toThrow(/PORT[\s\S]*LOG_LEVEL|LOG_LEVEL[\s\S]*PORT/);
  });
});
