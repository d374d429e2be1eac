import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { machine } from './proc';
import { ROOT } from './targets';

/** One line of a scenario's table: the service's figure, the baseline's, and their ratio. */
export interface Row {
  metric: string;
  service: number | string;
  baseline?: number | string;
  /** service / baseline */
  ratio?: number;
  /** e.g. "<= 1.1x" */
  target?: string;
  /** The ratio's bound that `target` states. */
  limit?: RatioLimit;
  met?: boolean;
  /** A count that must stay at zero: repeated runs are combined by their largest, not their median. */
  mustBeZero?: boolean;
  /** The smallest and largest ratio when the figure is the median of repeated runs. */
  ratioRange?: [number, number];
}

export function ratio(service: number, baseline: number): number | undefined {
  return baseline > 0 && Number.isFinite(service) ? service / baseline : undefined;
}

export interface RatioLimit {
  max?: number;
  min?: number;
}

function withinLimit(r: number, limit: RatioLimit): boolean {
  return limit.max !== undefined ? r <= limit.max : r >= (limit.min ?? 0);
}

/** A row whose ratio is computed, and checked against `limit` when given. */
export function compare(
  metric: string,
  service: number,
  baseline: number | undefined,
  limit?: RatioLimit,
): Row {
  const r = baseline === undefined ? undefined : ratio(service, baseline);
  const row: Row = { metric, service, baseline, ratio: r };
  if (limit && r !== undefined) {
    row.target = limit.max !== undefined ? `<= ${limit.max}x` : `>= ${limit.min}x`;
    row.limit = limit;
    row.met = withinLimit(r, limit);
  }
  return row;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function checkTarget(row: Row): Row {
  if (row.mustBeZero) return { ...row, met: row.service === 0 };
  if (row.ratio === undefined || row.limit === undefined) return row;
  return { ...row, met: withinLimit(row.ratio, row.limit) };
}

/**
 * The same rows from repeated runs as one row each: the median of each figure, and the median of
 * the runs' own ratios (each run compares the two servers under the same conditions), with their
 * range. Counts that must stay at zero keep their largest value.
 */
export function combineRuns(runs: Row[][]): Row[] {
  if (runs.length === 1) return runs[0];
  return runs[0].map((first, i) => {
    const rows = runs.map((run) => run[i]);
    const pick = (value: (row: Row) => number | string | undefined) => {
      const values = rows.map(value);
      if (!values.every((v): v is number => typeof v === 'number')) return values[0];
      return first.mustBeZero ? Math.max(...values) : median(values);
    };
    const ratios = rows.map((row) => row.ratio).filter((r): r is number => r !== undefined);
    return checkTarget({
      ...first,
      service: pick((row) => row.service) ?? first.service,
      baseline: pick((row) => row.baseline),
      ratio: ratios.length === rows.length ? median(ratios) : undefined,
      ratioRange:
        ratios.length === rows.length ? [Math.min(...ratios), Math.max(...ratios)] : undefined,
    });
  });
}

function format(value: number | string | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  const digits =
    Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : Math.abs(value) >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function markdownTable(rows: Row[]): string {
  const lines = [
    '| metric | service | baseline | ratio | target |',
    '| --- | ---: | ---: | ---: | --- |',
  ];
  for (const row of rows) {
    const target = row.target ? `${row.target} ${row.met ? 'met' : 'not met'}` : '';
    const range = row.ratioRange
      ? ` (${row.ratioRange[0].toFixed(2)}-${row.ratioRange[1].toFixed(2)})`
      : '';
    const r = row.ratio === undefined ? '' : `${row.ratio.toFixed(2)}x${range}`;
    lines.push(
      `| ${row.metric} | ${format(row.service)} | ${format(row.baseline)} | ${r} | ${target} |`,
    );
  }
  return lines.join('\n');
}

export interface ScenarioResult {
  scenario: string;
  options: object;
  rows: Row[];
  details: object;
}

/** Writes bench/results/<timestamp>-<name>.json (machine included) and returns its path. */
export function writeResults(name: string, results: ScenarioResult[]): string {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${name}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), machine: machine(), results }, null, 2)}\n`,
  );
  return file;
}

/** Prints each scenario's table and writes the JSON. */
export function publish(name: string, results: ScenarioResult[]): void {
  const m = machine();
  process.stdout.write(
    `\nMachine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, Linux ${m.kernel}, ulimit -n ${m.openFileLimit}, load average ${m.loadAverage.join(' ')}\n`,
  );
  for (const result of results) {
    process.stdout.write(`\n### ${result.scenario}\n\n${markdownTable(result.rows)}\n`);
  }
  process.stdout.write(`\nJSON: ${writeResults(name, results)}\n`);
}

/** Reads a positive integer option from the environment. */
export function envNumber(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}
