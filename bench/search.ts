/**
 * Search: POST /memories/search under load (autocannon) over a corpus created through the REST
 * API (default 100,000 memories of generated text). The baseline has no search: no ratio here.
 * Run: npm run bench:search (BENCH_SEARCH_MEMORIES, BENCH_SECONDS, BENCH_CONNECTIONS).
 */
import { Agent } from 'node:http';
import { LoadResult, postLoad } from './lib/cannon';
import { postJson } from './lib/http';
import { envNumber, publish, Row, ScenarioResult } from './lib/report';
import { startService } from './lib/targets';

export interface SearchOptions {
  memories: number;
  seconds: number;
  connections: number;
}

const VOCABULARY_SIZE = 2000;
const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ra',
  'te',
  'su',
  'no',
  'vi',
  'de',
  'po',
  'an',
  'ur',
  'el',
  'is',
  'ox',
  'ba',
];
const TYPES = ['context', 'project', 'knowledge', 'reference', 'personal', 'workflow'];

/** Deterministic pseudo-random numbers (mulberry32), so every run searches the same corpus. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Word n: three syllables, unique for n < 16^3. */
function word(n: number): string {
  return SYLLABLES[n % 16] + SYLLABLES[(n >> 4) % 16] + SYLLABLES[(n >> 8) % 16];
}

/** A memory of 40 words; low word numbers are far more frequent, as in real text. */
function corpusMemory(index: number): Record<string, unknown> {
  const next = random(index + 1);
  const skewed = () => word(Math.floor(VOCABULARY_SIZE * next() ** 3));
  const words = Array.from({ length: 40 }, skewed);
  return {
    title: words.slice(0, 4).join(' '),
    content: words.join(' '),
    memory_type: TYPES[index % TYPES.length],
    tags: [`tag${index % 20}`],
    metadata: { n: index },
  };
}

/** One or two words drawn uniformly: rare and common terms alike. */
function query(index: number): Record<string, unknown> {
  const next = random(1_000_000 + index);
  const pick = () => word(Math.floor(VOCABULARY_SIZE * next()));
  return { query: next() < 0.5 ? pick() : `${pick()} ${pick()}`, limit: 20 };
}

export interface SearchResult {
  seedSeconds: number;
  seed: LoadResult;
  sampleTotalResults: number;
  search: LoadResult;
}

export async function searchOn(options: SearchOptions): Promise<SearchResult> {
  const target = await startService({ streams: 1 });
  const agent = new Agent({ keepAlive: true });
  try {
    const started = Date.now();
    const seed = await postLoad(target, target.createPath, {
      seconds: 3600,
      amount: options.memories,
      connections: options.connections,
      body: corpusMemory,
    });
    const seedSeconds = (Date.now() - started) / 1000;
    if (seed.requests < options.memories) {
      throw new Error(`only ${seed.requests} of ${options.memories} memories were created`);
    }
    const sample = await postJson(target, target.searchPath!, { query: word(0), limit: 1 }, agent);
    const sampleTotalResults = (JSON.parse(sample.body) as { total_results: number }).total_results;
    const load = (seconds: number) =>
      postLoad(target, target.searchPath!, {
        seconds,
        connections: options.connections,
        body: query,
      });
    await load(2); // warm-up
    return { seedSeconds, seed, sampleTotalResults, search: await load(options.seconds) };
  } finally {
    agent.destroy();
    await target.stop();
  }
}

export async function runSearch(options: SearchOptions): Promise<ScenarioResult> {
  const result = await searchOn(options);
  const n = options.memories.toLocaleString('en-US');
  const rows: Row[] = [
    { metric: `creating the ${n} memories: requests/s`, service: result.seed.requestsPerSecond },
    { metric: `creating the ${n} memories: p99 (ms)`, service: result.seed.p99Ms },
    { metric: `search over ${n}: queries/s`, service: result.search.requestsPerSecond },
    { metric: `search over ${n}: p50 (ms)`, service: result.search.p50Ms },
    { metric: `search over ${n}: p99 (ms)`, service: result.search.p99Ms },
    {
      metric: `search over ${n}: server CPU ms per query`,
      service: result.search.serverCpuMsPerRequest,
    },
    {
      metric: 'failed requests',
      service: result.seed.failures + result.search.failures,
      target: '0',
      met: result.seed.failures + result.search.failures === 0,
    },
  ];
  return {
    scenario: `Search: ${options.connections} connections, ${options.seconds} s, 1-2 word queries over ${n} memories (${result.sampleTotalResults} match the commonest word)`,
    options,
    rows,
    details: result,
  };
}

export function searchOptionsFromEnv(): SearchOptions {
  return {
    memories: envNumber('BENCH_SEARCH_MEMORIES', 100_000),
    seconds: envNumber('BENCH_SECONDS', 10),
    connections: envNumber('BENCH_CONNECTIONS', 10),
  };
}

if (require.main === module) {
  runSearch(searchOptionsFromEnv()).then(
    (result) => publish('search', [result]),
    (error: unknown) => {
      process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
      process.exitCode = 1;
    },
  );
}
