import { sameHiddenClass } from '../../test/support/hidden-classes';
import { userActivity } from './user-activity';

describe('userActivity', () => {
  it('names the resource when there is one, and leaves the field out when there is none', () => {
    expect(userActivity('acme', 'alice', 'memory.viewed', 'memory', 'mem_1').data).toEqual({
      user_id: 'alice',
      action: 'memory.viewed',
      resource_type: 'memory',
      timestamp: expect.any(String),
      resource_id: 'mem_1',
    });
    expect(userActivity('acme', 'alice', 'stream.opened', 'stream').data).not.toHaveProperty(
      'resource_id',
    );
  });

  it('builds the data of every event of one form with one hidden class', () => {
    // Past the first calls, which V8 handles before its inline caches settle.
    const events = Array.from({ length: 20 }, (_, i) =>
      userActivity('acme', `user-${i}`, 'memory.viewed', 'memory', `mem_${i}`),
    );
    expect(sameHiddenClass(events[18].data, events[19].data)).toBe(true);
  });
});
