import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  validateSync,
} from 'class-validator';
import { firstBrokenRule } from '../common/first-broken-rule';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

/** The environment as the operator writes it; every field is a variable name. */
class EnvironmentVariables {
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  /** Unset: every interface (IPv6 and IPv4), as Node listens by default. */
  @IsOptional()
  // A host name or IPv4 address, or an IPv6 address (two colons at least).
  @Matches(/^([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*|[0-9A-Fa-f.]*:[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*)$/, {
    message: 'HOST must be an address to listen on, such as 127.0.0.1, 0.0.0.0, :: or localhost',
  })
  HOST?: string;

  /** Origins that browser apps may call the API from; none unless listed. */
  @IsOptional()
  @Matches(/^\s*https?:\/\/[^/\s,]+\s*(,\s*https?:\/\/[^/\s,]+\s*)*$/, {
    message:
      'CORS_ORIGINS must be a comma-separated list of origins such as https://app.example.com,http://localhost:5173 (scheme, host and port; no path)',
  })
  CORS_ORIGINS?: string;

  @IsOptional()
  @IsString()
  @Matches(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, {
    message: 'DATABASE_URL must be sqlite:<path> or postgres://user@host:port/database',
  })
  DATABASE_URL = 'sqlite:./data/mnemo.db';

  @IsOptional()
  @IsString()
  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be redis://...' })
  REDIS_URL?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9:_.-]{1,64}$/, {
    message: 'REDIS_KEY_PREFIX must be 1-64 letters, digits or : _ . -',
  })
  REDIS_KEY_PREFIX = 'mnemo:';

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Unset: pretty on a terminal, JSON otherwise. */
  @IsOptional()
  @IsIn(['pretty', 'json'])
  LOG_FORMAT?: LogFormat;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  STREAM_MAX_CONNECTIONS_PER_KEY = 5;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  STREAM_MAX_EVENTS_PER_MINUTE = 1000;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(300)
  STREAM_HEARTBEAT_MIN_SECONDS = 30;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  STREAM_MAX_BACKLOG = 1000;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(16 * 1024)
  @Max(1024 * 1024 * 1024)
  STREAM_MAX_BUFFERED_BYTES = 1024 * 1024;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  STREAM_STALL_TIMEOUT_SECONDS = 30;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(3)
  @Max(3600)
  STREAM_SLOT_LEASE_SECONDS = 15;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  EVENT_RETENTION_COUNT = 10_000;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(30 * 24 * 3600)
  EVENT_RETENTION_SECONDS = 3600;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(64 * 1024)
  @Max(Number.MAX_SAFE_INTEGER)
  EVENT_RETENTION_BYTES = 256 * 1024 * 1024;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  HEALTH_INTERVAL_SECONDS = 30;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(24 * 3600)
  ANALYTICS_INTERVAL_SECONDS = 60;

  /** How long a client may take to send a request's line and headers. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  HTTP_HEADERS_TIMEOUT_SECONDS = 10;

  /** How long a client may take to send a whole request, headers and body. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  HTTP_REQUEST_TIMEOUT_SECONDS = 30;
}

export type LogFormat = 'pretty' | 'json';

/** Typed configuration, validated once at boot; nothing else reads process.env. */
export class AppConfig {
  constructor(
    readonly port: number,
    readonly databaseUrl: string,
    readonly redis: { readonly url: string; readonly keyPrefix: string } | undefined,
    readonly logLevel: string,
    readonly stream: {
      readonly maxConnectionsPerKey: number;
      readonly maxEventsPerMinute: number;
      readonly heartbeatMinSeconds: number;
      readonly maxBacklog: number;
      readonly maxBufferedBytes: number;
      readonly stallTimeoutMs: number;
      /**
       * With Redis: how long a stream slot outlives an instance that stopped renewing it. In one
       * process: the Retry-After of a refused stream, every slot being held by a live one.
       */
      readonly slotLeaseMs: number;
    },
    readonly eventRetention: {
      readonly count: number;
      readonly seconds: number;
      readonly bytes: number;
    },
    readonly healthIntervalSeconds: number,
    readonly analyticsIntervalSeconds: number,
    /** Undefined: every interface. */
    readonly host: string | undefined,
    readonly corsOrigins: readonly string[],
    /** 'auto': pretty when stdout is a terminal, JSON otherwise. */
    readonly logFormat: LogFormat | 'auto',
    /** How long a client may take to send a request's headers, and the whole request. */
    readonly http: { readonly headersTimeoutMs: number; readonly requestTimeoutMs: number },
  ) {}
}

export class ConfigError extends Error {}

/** Validates the environment; a bad value throws a ConfigError naming the variable. */
export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const known = Object.keys(new EnvironmentVariables());
  const given = Object.fromEntries(
    Object.entries(env).filter(([name, value]) => known.includes(name) && value !== ''),
  );
  const vars = plainToInstance(EnvironmentVariables, given);
  const errors = validateSync(vars, { forbidUnknownValues: true });
  if (errors.length > 0) {
    const lines = errors.map(
      (e) => `${e.property}=${JSON.stringify(given[e.property])}: ${firstBrokenRule(e)}`,
    );
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const { HTTP_HEADERS_TIMEOUT_SECONDS: headers, HTTP_REQUEST_TIMEOUT_SECONDS: whole } = vars;
  if (headers > whole) {
    throw new ConfigError(
      `Invalid configuration:\n  HTTP_HEADERS_TIMEOUT_SECONDS (${headers}) must not be more than ` +
        `HTTP_REQUEST_TIMEOUT_SECONDS (${whole}): the time for a whole request includes its headers`,
    );
  }
  return new AppConfig(
    vars.PORT,
    vars.DATABASE_URL,
    vars.REDIS_URL === undefined
      ? undefined
      : { url: vars.REDIS_URL, keyPrefix: vars.REDIS_KEY_PREFIX },
    vars.LOG_LEVEL,
    {
      maxConnectionsPerKey: vars.STREAM_MAX_CONNECTIONS_PER_KEY,
      maxEventsPerMinute: vars.STREAM_MAX_EVENTS_PER_MINUTE,
      heartbeatMinSeconds: vars.STREAM_HEARTBEAT_MIN_SECONDS,
      maxBacklog: vars.STREAM_MAX_BACKLOG,
      maxBufferedBytes: vars.STREAM_MAX_BUFFERED_BYTES,
      stallTimeoutMs: vars.STREAM_STALL_TIMEOUT_SECONDS * 1000,
      slotLeaseMs: vars.STREAM_SLOT_LEASE_SECONDS * 1000,
    },
    {
      count: vars.EVENT_RETENTION_COUNT,
      seconds: vars.EVENT_RETENTION_SECONDS,
      bytes: vars.EVENT_RETENTION_BYTES,
    },
    vars.HEALTH_INTERVAL_SECONDS,
    vars.ANALYTICS_INTERVAL_SECONDS,
    vars.HOST,
    vars.CORS_ORIGINS?.split(',').map((origin) => origin.trim()) ?? [],
    vars.LOG_FORMAT ?? 'auto',
    {
      headersTimeoutMs: headers * 1000,
      requestTimeoutMs: whole * 1000,
    },
  );
}
