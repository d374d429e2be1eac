import { DomainEvent } from './event-map';
import { RecentEvents } from './recent-events';

const T0 = 1_700_000_000_000;

function event(position: number, size = 10, publishedAt = T0): DomainEvent {
  return {
    type: 'memory.deleted',
    organizationId: 'acme',
    data: { id: `mem_${position}`, deleted_at: '', deleted_by: 'u', reason: 'r' },
    id: `1-${position}`,
    position,
    publishedAt,
    size,
  };
}

/** A window whose clock the test moves. */
function windowOf(bounds: { count?: number; seconds?: number; bytes?: number }) {
  let now = T0;
  const recent = new RecentEvents(
    { count: 100, seconds: 60, bytes: 1_000_000, ...bounds },
    () => now,
  );
  return { recent, setNow: (ms: number) => (now = ms) };
}

const positions = (events: DomainEvent[] | null) => events?.map((e) => e.position) ?? null;

describe('RecentEvents', () => {
  it('gives the events after a position it reaches back to, and null before that', () => {
    const { recent } = windowOf({});
    for (let p = 5; p <= 8; p += 1) recent.add(event(p));
    expect(positions(recent.after(4))).toEqual([5, 6, 7, 8]);
    expect(positions(recent.after(6))).toEqual([7, 8]);
    expect(positions(recent.after(8))).toEqual([]);
    expect(recent.after(3)).toBeNull();
  });

  it('keeps only the newest `count` events', () => {
    const { recent } = windowOf({ count: 3 });
    for (let p = 1; p <= 5; p += 1) recent.add(event(p));
    expect(positions(recent.after(2))).toEqual([3, 4, 5]);
    expect(recent.after(1)).toBeNull();
  });

  it('keeps its events within the byte bound, dropping the oldest first', () => {
    const { recent } = windowOf({ bytes: 250 });
    for (let p = 1; p <= 4; p += 1) recent.add(event(p, 100));
    expect(recent.bytes).toBe(200);
    expect(positions(recent.after(2))).toEqual([3, 4]);
    recent.add(event(5, 1000));
    expect(recent.bytes).toBe(0);
    expect(recent.after(4)).toBeNull();
  });

  it('drops events older than `seconds`', () => {
    const { recent, setNow } = windowOf({ seconds: 10 });
    recent.add(event(1, 10, T0));
    recent.add(event(2, 10, T0 + 5000));
    setNow(T0 + 12_000);
    expect(positions(recent.after(1))).toEqual([2]);
    expect(recent.after(0)).toBeNull();
    expect(recent.bytes).toBe(10);
  });

  it('starts over when an event does not follow the last one', () => {
    const { recent } = windowOf({});
    recent.add(event(1));
    recent.add(event(2));
    recent.add(event(7));
    expect(recent.after(2)).toBeNull();
    expect(positions(recent.after(6))).toEqual([7]);
    expect(recent.bytes).toBe(10);
  });
});
