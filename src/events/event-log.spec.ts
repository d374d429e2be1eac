import { EventLog } from './event-log';
import { EventInput } from './event-map';

const EPOCH = 1_700_000_000_000;

function input(n: number): EventInput {
  return {
    type: 'memory.deleted',
    organizationId: 'acme',
    data: { id: `mem_${n}`, deleted_at: '2030-01-01T00:00:00.000Z', deleted_by: 'u', reason: 'r' },
  };
}

/** A log whose clock the test moves. */
function logAt(retention: { count: number; seconds: number }) {
  let now = EPOCH;
  const log = new EventLog(retention, EPOCH, () => now);
  return {
    log,
    setNow: (ms: number) => (now = ms),
    append: (count: number) => Array.from({ length: count }, (_, i) => log.append(input(i))),
  };
}

describe('EventLog', () => {
  describe('ids', () => {
    it('gives ordered ids of the form <epoch>-<sequence> and the time of appending', () => {
      const { log, setNow } = logAt({ count: 10, seconds: 60 });
      setNow(EPOCH + 5);
      const first = log.append(input(1));
      const second = log.append(input(2));
      expect([first.id, second.id]).toEqual([`${EPOCH}-1`, `${EPOCH}-2`]);
      expect(first.publishedAt).toBe(EPOCH + 5);
      expect(first).toMatchObject(input(1));
    });

    it('has a head that is the newest id, or sequence 0 before any event', () => {
      const { log, append } = logAt({ count: 10, seconds: 60 });
      expect(log.head()).toBe(`${EPOCH}-0`);
      const events = append(3);
      expect(log.head()).toBe(events[2].id);
    });
  });

  describe('replay after a position', () => {
    it('returns nothing and the head for no position (a first connect)', () => {
      const { log, append } = logAt({ count: 10, seconds: 60 });
      const events = append(3);
      expect(log.replay(undefined)).toEqual({ events: [], position: events[2].id });
    });

    it('returns every retained event after the position, in order, and the head', () => {
      const { log, append } = logAt({ count: 10, seconds: 60 });
      const events = append(5);
      expect(log.replay(events[1].id)).toEqual({
        events: events.slice(2),
        position: events[4].id,
      });
    });

    it('returns every event after the head of an empty log (position <epoch>-0)', () => {
      const { log, append } = logAt({ count: 10, seconds: 60 });
      const start = log.head();
      const events = append(2);
      expect(log.replay(start)).toEqual({ events, position: events[1].id });
    });

    it('returns nothing for the head itself', () => {
      const { log, append } = logAt({ count: 10, seconds: 60 });
      const events = append(3);
      expect(log.replay(events[2].id)).toEqual({ events: [], position: events[2].id });
    });

    it('takes a resume point (an event id, "~", a suffix) as the event id it carries', () => {
      const { log, append } = logAt({ count: 10, seconds: 60 });
      const events = append(4);
      expect(log.replay(`${events[1].id}~0123456789abcdef.3`).events).toEqual(events.slice(2));
    });
  });

  describe('unknown positions', () => {
    it.each([
      ['malformed', () => 'no-such-id'],
      ['empty', () => ''],
      ['a sequence not issued yet', () => `${EPOCH}-99`],
      ['a later epoch', () => `${EPOCH + 1}-1`],
    ])('reports %s as unknown, with the oldest retained id', (_name, position) => {
      const { log, append } = logAt({ count: 10, seconds: 60 });
      const events = append(3);
      expect(log.replay(position())).toEqual({
        events: [],
        position: events[2].id,
        reset: { reason: 'unknown', oldest_id: events[0].id },
      });
    });

    it('reports oldest_id null when nothing is retained', () => {
      const { log } = logAt({ count: 10, seconds: 60 });
      expect(log.replay('garbage')).toEqual({
        events: [],
        position: `${EPOCH}-0`,
        reset: { reason: 'unknown', oldest_id: null },
      });
    });
  });

  describe('retention', () => {
    it('expires by count: keeps the last `count` events', () => {
      const { log, append } = logAt({ count: 3, seconds: 3600 });
      const events = append(6);
      // Resuming right before the oldest retained event loses nothing.
      expect(log.replay(events[2].id)).toEqual({
        events: events.slice(3),
        position: events[5].id,
      });
      // One further back, an event was dropped: the client is told so.
      expect(log.replay(events[1].id)).toEqual({
        events: [],
        position: events[5].id,
        reset: { reason: 'expired', oldest_id: events[3].id },
      });
    });

    it('expires by age: events older than `seconds` are gone', () => {
      const { log, setNow } = logAt({ count: 100, seconds: 10 });
      const old = log.append(input(1));
      setNow(EPOCH + 6_000);
      const recent = log.append(input(2));
      setNow(EPOCH + 10_000);
      // Exactly `seconds` old: still retained.
      expect(log.replay(`${EPOCH}-0`).events).toEqual([old, recent]);
      setNow(EPOCH + 10_001);
      expect(log.replay(`${EPOCH}-0`)).toEqual({
        events: [],
        position: recent.id,
        reset: { reason: 'expired', oldest_id: recent.id },
      });
      expect(log.replay(old.id)).toEqual({ events: [recent], position: recent.id });
    });

    it('expires by age at replay time even when nothing is appended', () => {
      const { log, setNow } = logAt({ count: 100, seconds: 10 });
      const first = log.append(input(1));
      const second = log.append(input(2));
      setNow(EPOCH + 60_000);
      expect(log.replay(first.id)).toEqual({
        events: [],
        position: second.id,
        reset: { reason: 'expired', oldest_id: null },
      });
      // The newest id is still a good position: nothing after it was lost.
      expect(log.replay(second.id)).toEqual({ events: [], position: second.id });
    });

    it('reports an id of an earlier epoch (a previous process) as expired', () => {
      const { log, append } = logAt({ count: 10, seconds: 60 });
      const events = append(2);
      expect(log.replay(`${EPOCH - 1}-5`)).toEqual({
        events: [],
        position: events[1].id,
        reset: { reason: 'expired', oldest_id: events[0].id },
      });
    });
  });
});
