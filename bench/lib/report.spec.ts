import { combineRuns, compare, markdownTable, Row } from './report';

function run(cpu: [number, number], lost: number): Row[] {
  return [
    compare('server CPU', cpu[0], cpu[1], { max: 1.1 }),
    {
      metric: 'events lost',
      service: lost,
      baseline: 0,
      target: '0',
      met: lost === 0,
      mustBeZero: true,
    },
  ];
}

describe('combineRuns', () => {
  it("takes the median of each figure and of the runs' own ratios, with their range", () => {
    const [cpu] = combineRuns([run([1.3, 1.0], 0), run([1.0, 1.0], 0), run([2.1, 2.0], 0)]);
    expect(cpu.service).toBe(1.3);
    expect(cpu.baseline).toBe(1.0);
    expect(cpu.ratio).toBeCloseTo(1.05);
    expect(cpu.ratioRange).toEqual([1.0, 1.3]);
    expect(cpu.met).toBe(true);
  });

  it('judges the target on the median ratio', () => {
    const [cpu] = combineRuns([run([1.3, 1.0], 0), run([1.2, 1.0], 0), run([1.0, 1.0], 0)]);
    expect(cpu.ratio).toBeCloseTo(1.2);
    expect(cpu.met).toBe(false);
  });

  it('keeps the worst of a count that must stay at zero', () => {
    const [, lost] = combineRuns([run([1, 1], 0), run([1, 1], 3), run([1, 1], 0)]);
    expect(lost).toMatchObject({ service: 3, met: false });
  });

  it('leaves a single run as it is, and prints the range only for repeated runs', () => {
    const single = run([1.3, 1.0], 0);
    expect(combineRuns([single])).toBe(single);
    expect(markdownTable(single)).toContain('| 1.30x |');
    expect(markdownTable(combineRuns([single, run([1.0, 1.0], 0)]))).toContain(
      '| 1.15x (1.00-1.30) |',
    );
  });
});
