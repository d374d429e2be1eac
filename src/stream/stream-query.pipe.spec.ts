import { ApiError } from '../common/api-error';
import { loadConfig } from '../config/app-config';
import { StreamOptions } from './stream-options';
import { StreamQueryPipe } from './stream-query.pipe';

type RawQuery = Record<string, string | string[] | undefined>;

function pipe(heartbeatMinSeconds?: number): StreamQueryPipe {
  const env =
    heartbeatMinSeconds === undefined
      ? {}
      : { STREAM_HEARTBEAT_MIN_SECONDS: String(heartbeatMinSeconds) };
  return new StreamQueryPipe(loadConfig(env));
}

const parse = (query: RawQuery, heartbeatMinSeconds = 5): StreamOptions =>
  pipe(heartbeatMinSeconds).transform(query);

/** The 400 the pipe refuses `query` with. */
function refusal(query: RawQuery, heartbeatMinSeconds = 5): ApiError {
  try {
    parse(query, heartbeatMinSeconds);
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.getStatus()).toBe(400);
    expect(apiError.code).toBe('VALIDATION_ERROR');
    return apiError;
  }
  throw new Error(`Accepted ${JSON.stringify(query)}`);
}

describe('StreamQueryPipe', () => {
  it('gives every type, no filter and the default heartbeat for an empty query', () => {
    expect(parse({})).toEqual({
      events: null,
      filters: [],
      heartbeatSeconds: 30,
      lastEventId: undefined,
    });
  });

  describe('events', () => {
    it('takes a comma list, with spaces and empty items ignored', () => {
      expect(parse({ events: 'memory.created, memory.updated,,search.performed' }).events).toEqual(
        new Set(['memory.created', 'memory.updated', 'search.performed']),
      );
    });

    it('takes repeated parameters, also mixed with comma lists', () => {
      expect(
        parse({ events: ['memory.created', 'memory.deleted,system.health', 'memory.created'] })
          .events,
      ).toEqual(new Set(['memory.created', 'memory.deleted', 'system.health']));
    });

    it('refuses an unknown type with 400 naming it and listing the known types', () => {
      const error = refusal({ events: 'memory.created,memory.exploded' });
      expect(error.message).toContain('"memory.exploded"');
      expect(error.message).toContain('memory.created');
      expect(error.message).toContain('analytics.update');
    });

    it('names every unknown type, also across repeated parameters', () => {
      const error = refusal({ events: ['heartbeat', 'memory.created', 'bogus'] });
      expect(error.message).toContain('"heartbeat"');
      expect(error.message).toContain('"bogus"');
    });

    it('refuses an empty list', () => {
      refusal({ events: '' });
      refusal({ events: ' , ' });
    });
  });

  describe('filters', () => {
    it('takes bracket pairs as strings', () => {
      expect(parse({ 'filters[user_id]': 'user123', 'filters[category]': 'note' }).filters).toEqual(
        [
          ['user_id', 'user123'],
          ['category', 'note'],
        ],
      );
    });

    it('takes one JSON object, keeping strings, numbers, booleans and null', () => {
      expect(
        parse({ filters: '{"user_id":"user123","priority":2,"pinned":true,"owner":null}' }).filters,
      ).toEqual([
        ['user_id', 'user123'],
        ['priority', 2],
        ['pinned', true],
        ['owner', null],
      ]);
    });

    it('combines both syntaxes', () => {
      expect(
        parse({ filters: '{"user_id":"user123"}', 'filters[category]': 'note' }).filters,
      ).toEqual([
        ['user_id', 'user123'],
        ['category', 'note'],
      ]);
    });

    it.each([
      ['not JSON', '{user_id: user123}'],
      ['truncated JSON', '{"user_id":'],
      ['a JSON array', '["user_id"]'],
      ['a JSON string', '"user_id"'],
      ['JSON null', 'null'],
      ['a nested object value', '{"user":{"id":"x"}}'],
      ['an array value', '{"tags":["a"]}'],
      ['an invalid field name', '{"user id":"x"}'],
    ])('refuses %s with 400', (_name, filters) => {
      expect(refusal({ filters }).message).toMatch(/filters/);
    });

    it('refuses a field given twice, also across the two syntaxes', () => {
      refusal({ filters: '{"user_id":"a"}', 'filters[user_id]': 'b' });
      refusal({ 'filters[user_id]': ['a', 'b'] });
    });

    it('refuses more than 20 filters', () => {
      const query: RawQuery = {};
      for (let i = 0; i < 21; i += 1) query[`filters[f${i}]`] = 'x';
      refusal(query);
      delete query['filters[f20]'];
      expect(parse(query).filters).toHaveLength(20);
    });
  });

  describe('heartbeat', () => {
    it('defaults to 30 seconds, or to the minimum when that is higher', () => {
      expect(parse({}, 1).heartbeatSeconds).toBe(30);
      expect(parse({}, 45).heartbeatSeconds).toBe(45);
    });

    it('takes whole seconds from the configured minimum to 300', () => {
      expect(parse({ heartbeat: '5' }, 5).heartbeatSeconds).toBe(5);
      expect(parse({ heartbeat: '300' }, 5).heartbeatSeconds).toBe(300);
      expect(pipe().transform({ heartbeat: '30' }).heartbeatSeconds).toBe(30);
    });

    it.each([
      ['below the minimum', '4'],
      ['zero', '0'],
      ['above 300', '301'],
      ['negative', '-30'],
      ['fractional', '30.5'],
      ['not a number', 'soon'],
      ['empty', ''],
      ['huge', '99999999999999999999'],
    ])('refuses %s with 400 stating the range', (_name, heartbeat) => {
      expect(refusal({ heartbeat }, 5).message).toContain('5 to 300');
    });

    it('has a minimum of 30 by default', () => {
      refusal({ heartbeat: '29' }, 30);
      expect(() => pipe().transform({ heartbeat: '29' })).toThrow(ApiError);
    });

    it('refuses it given twice', () => {
      refusal({ heartbeat: ['30', '60'] });
    });
  });

  describe('other parameters', () => {
    it('passes last_event_id through and accepts a ticket, which the guard has redeemed', () => {
      expect(parse({ last_event_id: '17-3', ticket: 'tkt_x' })).toMatchObject({
        lastEventId: '17-3',
      });
    });

    it('refuses a ticket given twice', () => {
      expect(refusal({ ticket: ['tkt_x', 'tkt_y'] }).message).toBe('ticket may be given only once');
    });

    it.each(['api_key', 'key', 'evnets', 'filter[user_id]', 'filters[user id]'])(
      'refuses the unknown parameter %s with 400 naming it',
      (name) => {
        expect(refusal({ [name]: 'x' }).message).toContain(`"${name}"`);
      },
    );
  });
});
