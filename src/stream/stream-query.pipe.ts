import { HttpStatus, Injectable, PipeTransform } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { textProblem } from '../common/json-rules';
import { AppConfig } from '../config/app-config';
import { EVENT_TYPES, EventType, isEventType } from '../events/event-map';
import { FilterValue, StreamOptions } from './stream-options';

export const MAX_HEARTBEAT_SECONDS = 300;
export const DEFAULT_HEARTBEAT_SECONDS = 30;
const MAX_FILTERS = 20;
const FILTER_KEY = /^filters\[([A-Za-z0-9_.-]{1,64})\]$/;
const FIELD_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const KNOWN = new Set(['events', 'filters', 'heartbeat', 'last_event_id', 'ticket']);

type RawQuery = Record<string, string | string[] | undefined>;

function invalid(message: string): ApiError {
  return new ApiError(HttpStatus.BAD_REQUEST, 'VALIDATION_ERROR', message);
}

function values(raw: string | string[] | undefined): string[] {
  return raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
}

function single(query: RawQuery, name: string): string | undefined {
  const given = values(query[name]);
  if (given.length > 1) throw invalid(`${name} may be given only once`);
  return given[0];
}

function parseEvents(raw: string | string[] | undefined): ReadonlySet<EventType> | null {
  const names = values(raw)
    .flatMap((value) => value.split(','))
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0) return raw === undefined ? null : rejectEmptyEvents();
  const unknown = names.filter((name) => !isEventType(name));
  if (unknown.length > 0) {
    throw invalid(
      `Unknown event type ${unknown.map((n) => `"${n}"`).join(', ')}; known types: ${EVENT_TYPES.join(', ')}`,
    );
  }
  // The constants themselves, not the query's copies: every event's type is one of them, so a
  // lookup per delivery compares pointers rather than characters.
  return new Set(EVENT_TYPES.filter((type) => names.includes(type)));
}

function rejectEmptyEvents(): never {
  throw invalid('events is empty: list event types, or leave it out to receive every type');
}

function filterValue(name: string, value: unknown): FilterValue {
  const problem = typeof value === 'string' ? textProblem(value) : null;
  if (problem) throw invalid(`filters.${name} ${problem}`);
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value))
    return value as FilterValue;
  throw invalid(`filters.${name} must be a string, number, boolean or null`);
}

function parseFilters(query: RawQuery): Array<[string, FilterValue]> {
  const filters: Array<[string, FilterValue]> = [];
  for (const json of values(query.filters)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      throw invalid(
        'filters must be a JSON object such as {"user_id":"user123"}, or use filters[user_id]=user123',
      );
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw invalid('filters must be a JSON object such as {"user_id":"user123"}');
    }
    for (const [name, value] of Object.entries(parsed)) {
      if (!FIELD_NAME.test(name)) throw invalid(`filters has an invalid field name "${name}"`);
      filters.push([name, filterValue(name, value)]);
    }
  }
  for (const [key, raw] of Object.entries(query)) {
    const match = FILTER_KEY.exec(key);
    if (!match) continue;
    const given = values(raw);
    if (given.length > 1) throw invalid(`filters[${match[1]}] may be given only once`);
    filters.push([match[1], given[0]]);
  }
  const names = filters.map(([name]) => name);
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated) throw invalid(`filters.${repeated} is given more than once`);
  if (filters.length > MAX_FILTERS) throw invalid(`At most ${MAX_FILTERS} filters`);
  return filters;
}

function parseHeartbeat(raw: string | undefined, minimum: number): number {
  if (raw === undefined) return Math.max(DEFAULT_HEARTBEAT_SECONDS, minimum);
  const seconds = /^\d{1,6}$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isInteger(seconds) || seconds < minimum || seconds > MAX_HEARTBEAT_SECONDS) {
    throw invalid(
      `heartbeat must be a whole number of seconds from ${minimum} to ${MAX_HEARTBEAT_SECONDS}`,
    );
  }
  return seconds;
}

/** Parses the stream's query string: `events`, `filters` (two syntaxes), `heartbeat`, resume and ticket. */
@Injectable()
export class StreamQueryPipe implements PipeTransform<RawQuery, StreamOptions> {
  constructor(private readonly config: AppConfig) {}

  transform(query: RawQuery): StreamOptions {
    const unknown = Object.keys(query).filter((key) => !KNOWN.has(key) && !FILTER_KEY.test(key));
    if (unknown.length > 0) {
      throw invalid(
        `Unknown query parameter ${unknown.map((k) => `"${k}"`).join(', ')}; accepted: events, filters, heartbeat, last_event_id, ticket`,
      );
    }
    // The ApiKeyGuard has redeemed the ticket already; given twice, it is still refused here.
    single(query, 'ticket');
    return {
      events: parseEvents(query.events),
      filters: parseFilters(query),
      heartbeatSeconds: parseHeartbeat(
        single(query, 'heartbeat'),
        this.config.stream.heartbeatMinSeconds,
      ),
      lastEventId: single(query, 'last_event_id'),
    };
  }
}
