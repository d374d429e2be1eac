import { loggedEvent } from '../../test/support/stream-helpers';
import { DomainEvent } from '../events/event-map';
import { CatchUp, PageToSend } from './catch-up';

const events = (...positions: number[]) => positions.map((n) => loggedEvent(n));
const positionsOf = (list: readonly DomainEvent[]) => list.map((event) => event.position);
const sent = ({ replayed, live }: PageToSend) => ({
  replayed: positionsOf(replayed),
  live: positionsOf(live),
});

describe('CatchUp', () => {
  let feedLastId: string;
  let catchUp: CatchUp;
  beforeEach(() => {
    feedLastId = '1-9';
    catchUp = new CatchUp(() => feedLastId);
  });

  /** Offers live events; gives the positions of those to send now. */
  const offer = (...positions: number[]) =>
    positionsOf(events(...positions).filter((event) => catchUp.admits(event)));

  it('holds live events while the replay is read, then sends those past it, once each', () => {
    expect(offer(8, 9, 10)).toEqual([]);
    expect(catchUp.waiting).toBe(3);
    expect(sent(catchUp.page({ events: events(7, 8, 9), position: '1-9' }))).toEqual({
      replayed: [7, 8, 9],
      live: [10],
    });
    expect(catchUp.waiting).toBe(0);
    expect(catchUp.isLive).toBe(true);
    expect(offer(11)).toEqual([11]);
  });

  it('drops live events while a page that is not the last is sent: a later page holds them', () => {
    offer(50);
    expect(sent(catchUp.page({ events: events(2, 3), position: '1-3', more: true }))).toEqual({
      replayed: [2, 3],
      live: [],
    });
    expect(offer(51)).toEqual([]);
    expect(catchUp.waiting).toBe(0);
    expect(catchUp.isReading).toBe(false);
    expect(catchUp.isLive).toBe(false);
  });

  it('reads the next page from where the sent page ends, holding live events again meanwhile', () => {
    catchUp.page({ events: events(2, 3), position: '1-3', more: true });
    expect(catchUp.sent()).toBe('1-3');
    expect(catchUp.isReading).toBe(true);
    expect(catchUp.sent()).toBeNull();
    offer(9, 10);
    expect(sent(catchUp.page({ events: events(4, 9), position: '1-9' }))).toEqual({
      replayed: [4, 9],
      live: [10],
    });
    expect(catchUp.sent()).toBeNull();
  });

  it('skips live events the replay already sent when the feed is behind the replay', () => {
    feedLastId = '1-1';
    catchUp.page({ events: events(2, 3), position: '1-3' });
    expect(offer(2, 3, 4, 5)).toEqual([4, 5]);
  });

  it('sends every live event after the replay when the feed is not behind it', () => {
    feedLastId = '1-3';
    catchUp.page({ events: events(2, 3), position: '1-3' });
    expect(offer(4, 5)).toEqual([4, 5]);
  });

  it('takes a page only while one is being read', () => {
    catchUp.page({ events: [], position: '1-9' });
    expect(() => catchUp.page({ events: [], position: '1-9' })).toThrow(/while live/);
  });
});
