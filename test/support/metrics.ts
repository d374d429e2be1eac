import { waitUntilAsync } from './waits';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
// Values are read as Go's ParseFloat reads them: Inf and NaN in any case (prom-client writes Nan).
const VALUE = '[-+]?(?:[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?|[Ii][Nn][Ff]|[Nn][Aa][Nn])';
const SAMPLE_LINE = new RegExp(
  `^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*,?)?\\})? (${VALUE})(?: -?[0-9]+)?$`,
);
const HELP_LINE = new RegExp(`^# HELP ${NAME} .*$`);
const TYPE_LINE = new RegExp(`^# TYPE ${NAME} (counter|gauge|histogram|summary|untyped)$`);

/**
 * Parses the Prometheus text exposition format (version 0.0.4), failing on the first line that
 * is not a HELP, TYPE, blank or sample line of its grammar.
 */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line === '' || HELP_LINE.test(line) || TYPE_LINE.test(line)) continue;
    const match = SAMPLE_LINE.exec(line);
    if (!match) throw new Error(`Line ${index + 1} is not Prometheus exposition: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(new RegExp(LABEL, 'g'))) {
      const [name, quoted] = pair[0].split(/=(.*)/s);
      labels[name] = JSON.parse(quoted) as string;
    }
    const value = /inf$/i.test(match[3])
      ? (match[3].startsWith('-') ? -1 : 1) * Infinity
      : Number(match[3]);
    samples.push({ name: match[1], labels, value });
  }
  return samples;
}

/** The sum of a metric's samples that carry every given label. */
export function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}) {
  return samples
    .filter(
      (s) => s.name === name && Object.entries(labels).every(([label, v]) => s.labels[label] === v),
    )
    .reduce((sum, s) => sum + s.value, 0);
}

/** One metric as the server's GET /metrics reports it now. */
export async function scrapeMetric(
  url: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const response = await fetch(`${url}/metrics`);
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
  return valueOf(parseExposition(await response.text()), name, labels);
}

/** The streams open on the server, from its `mnemo_stream_open_connections` gauge. */
export const openStreams = (url: string) => scrapeMetric(url, 'mnemo_stream_open_connections');

/** Resolves once the server's open-stream gauge reads `count`; fails naming `what` after 5 s. */
export const untilOpenStreams = (url: string, count: number, what: string) =>
  waitUntilAsync(async () => (await openStreams(url)) === count, 5000, what);
