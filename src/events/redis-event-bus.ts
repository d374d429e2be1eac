import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';
import { Subject } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { EventBus } from './event-bus';
import { compareEventIds, formatEventId, parseResumeId } from './event-id';
import { Replay } from './event-log';
import { DomainEvent, EventInput } from './event-map';

const STREAM = 'events';
const TRIMMED_THROUGH = 'events:trimmed-through';
/** How long one blocking read waits before it looks again; also bounds shutdown. */
const READ_BLOCK_MS = 1000;
const READ_BATCH = 1000;
const RETRY_READ_MS = 500;

type Entry = [id: string, fields: string[]];

/**
 * Appends an event and trims the stream to the retention, by count and by age (age is read from
 * the ids, which are Redis's own clock, so every instance trims alike). The last id trimmed is
 * kept: a resume position before it has lost events, one at or after it has not.
 */
const APPEND = `
local id = redis.call('XADD', KEYS[1], '*', 'event', ARGV[3])
local ms = tonumber(string.match(id, '^(%d+)'))
local length = redis.call('XLEN', KEYS[1])
local remove = math.max(0, length - tonumber(ARGV[1]))
local aged = redis.call('XRANGE', KEYS[1], '-', '(' .. (ms - tonumber(ARGV[2])) .. '-0')
remove = math.max(remove, #aged)
if remove > 0 then
  local removed = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', remove)
  redis.call('SET', KEYS[2], removed[#removed][1])
  redis.call('XTRIM', KEYS[1], 'MAXLEN', length - remove)
end
return id`;

/**
 * Several instances: events are appended to one Redis Stream, whose ids (milliseconds and a
 * sequence) order them and are valid on every instance. Each instance runs one reader that hands
 * new entries to its own subscribers; replay reads the stream itself. Retention trims the stream
 * by count and by age.
 */
@Injectable()
export class RedisEventBus extends EventBus implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RedisEventBus.name);
  private readonly subject = new Subject<DomainEvent>();
  private readonly interrupted = new Subject<void>();
  readonly events$ = this.subject.asObservable();
  readonly interruptions$ = this.interrupted.asObservable();
  private readonly reader: Redis;
  private stopped = false;
  private reading?: Promise<void>;

  constructor(
    private readonly redis: Redis,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    super();
    // A blocking read holds its connection, so the reader has one of its own.
    this.reader = redis.duplicate({ maxRetriesPerRequest: null });
    // The reader reconnects and carries on from its last id, but streams cannot wait for it:
    // they are closed at once, and their clients resume from their last id.
    this.reader.on('close', () => {
      if (!this.stopped) this.interrupted.next();
    });
  }

  async publish(input: EventInput): Promise<DomainEvent> {
    const publishedAt = Date.now();
    const payload = JSON.stringify({
      type: input.type,
      organizationId: input.organizationId,
      data: input.data,
      publishedAt,
    });
    const { count, seconds } = this.config.eventRetention;
    const id = (await this.redis.eval(
      APPEND,
      2,
      STREAM,
      TRIMMED_THROUGH,
      count,
      seconds * 1000,
      payload,
    )) as string;
    this.metrics.eventsPublished.inc({ type: input.type });
    return { ...input, id, publishedAt } as DomainEvent;
  }

  async replay(after: string | undefined): Promise<Replay> {
    const info = await this.streamInfo();
    const position = info.lastId;
    if (after === undefined) return { events: [], position };
    const parsed = parseResumeId(after);
    if (!parsed || compareEventIds(formatEventId(parsed), position) > 0) {
      return { events: [], position, reset: { reason: 'unknown', oldest_id: info.firstId } };
    }
    const from = formatEventId(parsed);
    if (compareEventIds(from, info.trimmedThrough) < 0) {
      return { events: [], position, reset: { reason: 'expired', oldest_id: info.firstId } };
    }
    const entries = (await this.redis.xrange(STREAM, `(${from}`, position)) as Entry[];
    return { events: entries.map(toEvent), position };
  }

  get available(): boolean {
    return this.redis.status === 'ready';
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  onModuleInit(): void {
    this.reading = this.read();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.reader.disconnect();
    await this.reading;
    this.subject.complete();
  }

  private async streamInfo(): Promise<{
    lastId: string;
    firstId: string | null;
    trimmedThrough: string;
  }> {
    const [[, info], [, trimmed]] = (await this.redis
      .multi()
      .xinfo('STREAM', STREAM)
      .get(TRIMMED_THROUGH)
      .exec()) as [[Error | null, unknown[] | null], [Error | null, string | null]];
    if (!Array.isArray(info)) return { lastId: '0-0', firstId: null, trimmedThrough: '0-0' };
    const field = (name: string) => info[info.indexOf(name) + 1];
    const first = field('first-entry') as Entry | null;
    return {
      lastId: field('last-generated-id') as string,
      firstId: first ? first[0] : null,
      trimmedThrough: trimmed ?? '0-0',
    };
  }

  /** Follows the stream from its end, for as long as the instance lives. */
  private async read(): Promise<void> {
    let lastId: string | null = null;
    while (!this.stopped) {
      try {
        lastId ??= (await this.streamInfo()).lastId;
        const result = (await this.reader.xread(
          'COUNT',
          READ_BATCH,
          'BLOCK',
          READ_BLOCK_MS,
          'STREAMS',
          STREAM,
          lastId,
        )) as [string, Entry[]][] | null;
        for (const entry of result?.[0]?.[1] ?? []) {
          lastId = entry[0];
          this.subject.next(toEvent(entry));
        }
      } catch (error) {
        if (this.stopped) return;
        this.logger.warn(`Reading the event stream failed, retrying: ${(error as Error).message}`);
        this.interrupted.next();
        await new Promise((resolve) => setTimeout(resolve, RETRY_READ_MS));
      }
    }
  }
}

function toEvent([id, fields]: Entry): DomainEvent {
  const { type, organizationId, data, publishedAt } = JSON.parse(
    fields[fields.indexOf('event') + 1],
  ) as Omit<DomainEvent, 'id'>;
  return { type, organizationId, data, publishedAt, id } as DomainEvent;
}
