import { ResumePosition } from './resume-position';

describe('ResumePosition', () => {
  let feedLastId: string;
  let position: ResumePosition;
  beforeEach(() => {
    feedLastId = '1-20';
    position = new ResumePosition('abc', () => feedLastId);
  });

  it('begins at the id the client resumes from, a resume point standing for its event', () => {
    position.begin('1-5~def.3', { events: [], position: '1-20' });
    expect(position.id).toBe('1-5');
  });

  it('begins where the replay ends when there is nothing to resume or it was reset', () => {
    position.begin(undefined, { events: [], position: '1-20' });
    expect(position.id).toBe('1-20');
    position.begin('9-5', {
      events: [],
      position: '1-20',
      reset: { reason: 'unknown', oldest_id: '1-1' },
    });
    expect(position.id).toBe('1-20');
  });

  it('gives heartbeats and errors unique resume points at the last event handled', () => {
    position.begin('1-5', { events: [], position: '1-20' });
    position.advanceTo('1-7');
    expect([position.controlId(false), position.controlId(false)]).toEqual([
      '1-7~abc.1',
      '1-7~abc.2',
    ]);
  });

  it('resumes a caught-up connection from the feed’s last event, never from behind its own', () => {
    position.begin('1-5', { events: [], position: '1-20' });
    expect(position.controlId(true)).toBe('1-20~abc.1');
    position.advanceTo('1-21');
    expect(position.controlId(true)).toBe('1-21~abc.2');
  });
});
