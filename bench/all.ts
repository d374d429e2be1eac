/**
 * Every scenario, one after the other, into one JSON file and one set of tables.
 * Run: npm run bench (BENCH_SCENARIOS=fanout,idle,write,search picks and orders them).
 */
import { fanoutOptionsFromEnv, runFanout } from './fanout';
import { idleOptionsFromEnv, runIdle } from './idle';
import { publish, ScenarioResult } from './lib/report';
import { runSearch, searchOptionsFromEnv } from './search';
import { runWrite, writeOptionsFromEnv } from './write';

const SCENARIOS: Record<string, () => Promise<ScenarioResult>> = {
  fanout: () => runFanout(fanoutOptionsFromEnv()),
  idle: () => runIdle(idleOptionsFromEnv()),
  write: () => runWrite(writeOptionsFromEnv()),
  search: () => runSearch(searchOptionsFromEnv()),
};

async function main(): Promise<void> {
  const names = (process.env.BENCH_SCENARIOS ?? Object.keys(SCENARIOS).join(',')).split(',');
  const unknown = names.filter((name) => !(name in SCENARIOS));
  if (unknown.length > 0) throw new Error(`Unknown scenario ${unknown.join(', ')}`);
  const results: ScenarioResult[] = [];
  for (const name of names) {
    process.stderr.write(`bench: ${name}...\n`);
    results.push(await SCENARIOS[name]());
  }
  publish('all', results);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
  process.exitCode = 1;
});
