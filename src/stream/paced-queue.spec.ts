import { loggedEvent } from '../../test/support/stream-helpers';
import { PacedQueue } from './paced-queue';
import { eventFrame } from './sse-frame';

/** Everything the queue releases at `now`, by position. */
function releaseAll(queue: PacedQueue, now: number): number[] {
  const released: number[] = [];
  for (let event = queue.release(now); event; event = queue.release(now)) {
    released.push(event.position);
  }
  return released;
}

describe('PacedQueue', () => {
  it('lets events pass at once up to the cap, and not while others wait', () => {
    const queue = new PacedQueue(3, 100, 0);
    expect([queue.mayPass(0), queue.mayPass(0), queue.mayPass(0), queue.mayPass(0)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    queue.hold(loggedEvent(4), false);
    expect(queue.mayPass(61_000)).toBe(false);
  });

  it('releases held events in order as the window frees them, by the clock it is given', () => {
    const queue = new PacedQueue(2, 100, 0);
    queue.mayPass(0);
    queue.mayPass(0);
    for (const n of [3, 4, 5]) queue.hold(loggedEvent(n), false);
    expect(releaseAll(queue, 30_000)).toEqual([]);
    expect(releaseAll(queue, 61_000)).toEqual([3, 4]);
    expect(releaseAll(queue, 122_000)).toEqual([5]);
    expect(queue.isEmpty).toBe(true);
  });

  it('bounds the live events it holds, not the replayed ones', () => {
    const queue = new PacedQueue(1, 2, 0);
    queue.mayPass(0);
    for (const n of [2, 3, 4, 5]) expect(queue.hold(loggedEvent(n), true)).toBe(true);
    expect(queue.hold(loggedEvent(6), false)).toBe(true);
    expect(queue.hold(loggedEvent(7), false)).toBe(true);
    expect(queue.hold(loggedEvent(8), false)).toBe(false);
    expect(queue.length).toBe(7);
  });

  it('counts the bytes of held live events until they are released', () => {
    const queue = new PacedQueue(1, 100, 0);
    queue.mayPass(0);
    const replayed = loggedEvent(2, 'acme', 500);
    const live = [loggedEvent(3, 'acme', 100), loggedEvent(4, 'acme', 200)];
    queue.hold(replayed, true);
    for (const event of live) queue.hold(event, false);
    const liveBytes = live.map((event) => eventFrame(event).length);
    expect(queue.liveBytes).toBe(liveBytes[0] + liveBytes[1]);
    expect(releaseAll(queue, 61_000)).toEqual([2]);
    expect(queue.liveBytes).toBe(liveBytes[0] + liveBytes[1]);
    expect(releaseAll(queue, 122_000)).toEqual([3]);
    expect(queue.liveBytes).toBe(liveBytes[1]);
    expect(releaseAll(queue, 183_000)).toEqual([4]);
    expect(queue.liveBytes).toBe(0);
  });

  it('tells how long until what it holds could all be sent, at most a minute', () => {
    const queue = new PacedQueue(2, 100, 0);
    queue.mayPass(0);
    queue.mayPass(0);
    queue.hold(loggedEvent(3), false);
    expect(queue.millisecondsToSend(10_000)).toBe(51_000);
    expect(queue.millisecondsToSend(10_000, 1)).toBe(51_000);
    expect(queue.millisecondsToSend(10_000, 5)).toBe(60_000);
    expect(new PacedQueue(2, 100, 0).millisecondsToSend(0, 2)).toBe(0);
  });
});
