import { HttpStatsWindow } from './http-stats.window';

const AT = 1_700_000_000_000;

describe('HttpStatsWindow', () => {
  it('reports zero requests, a zero mean and a zero error rate when nothing was answered', () => {
    expect(new HttpStatsWindow(60).snapshot(AT)).toEqual({
      requests: 0,
      meanDurationMs: 0,
      errorRatePercent: 0,
    });
  });

  it('averages the durations and counts 5xx answers as the error share in percent', () => {
    const window = new HttpStatsWindow(60);
    window.record(10, 200, AT);
    window.record(30, 404, AT + 1500);
    window.record(50, 500, AT + 2500);
    window.record(110, 503, AT + 3500);
    expect(window.snapshot(AT + 4000)).toEqual({
      requests: 4,
      meanDurationMs: 50,
      errorRatePercent: 50,
    });
  });

  it('does not count 4xx answers as errors', () => {
    const window = new HttpStatsWindow(60);
    window.record(5, 400, AT);
    window.record(5, 429, AT);
    expect(window.snapshot(AT).errorRatePercent).toBe(0);
  });

  it('forgets answers once they are older than the window', () => {
    const window = new HttpStatsWindow(60);
    window.record(1000, 500, AT);
    window.record(10, 200, AT + 30_000);
    expect(window.snapshot(AT + 59_999)).toMatchObject({ requests: 2 });
    expect(window.snapshot(AT + 60_000)).toEqual({
      requests: 1,
      meanDurationMs: 10,
      errorRatePercent: 0,
    });
    expect(window.snapshot(AT + 90_000).requests).toBe(0);
  });

  it('reuses a second’s bucket a full window later without carrying its old counts', () => {
    const window = new HttpStatsWindow(60);
    window.record(1000, 500, AT);
    window.record(20, 200, AT + 60_000);
    expect(window.snapshot(AT + 60_000)).toEqual({
      requests: 1,
      meanDurationMs: 20,
      errorRatePercent: 0,
    });
  });

  it('counts exactly the last minute of a long, steady run of requests', () => {
    const window = new HttpStatsWindow(60);
    for (let i = 0; i < 100_000; i++) window.record(1, i % 10 === 0 ? 500 : 200, AT + i);
    expect(window.snapshot(AT + 99_999)).toEqual({
      requests: 60_000,
      meanDurationMs: 1,
      errorRatePercent: 10,
    });
  });
});
