/**
 * Prints the top self-time functions of a V8 .cpuprofile (as written by --cpu-prof).
 * Run: node -r @swc-node/register bench/profile-summary.ts <file.cpuprofile> [top=25]
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { ROOT } from './lib/targets';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  function: string;
  location: string;
  ms: number;
  percent: number;
}

/** Self time per function (summed over its call sites), most first; percent of the busy (non-idle) time. */
export function selfTimes(profile: Profile): SelfTime[] {
  const byNode = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const idle = new Set(
    profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id),
  );
  const total = [...byNode].reduce((sum, [id, us]) => (idle.has(id) ? sum : sum + us), 0);
  const byFunction = new Map<string, SelfTime>();
  for (const node of profile.nodes) {
    const us = byNode.get(node.id) ?? 0;
    if (us === 0 || idle.has(node.id)) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const location = url
      ? `${relative(ROOT, url.replace(/^file:\/\//, ''))}:${lineNumber + 1}`
      : '(native)';
    const name = functionName || '(anonymous)';
    const key = `${name} ${location}`;
    const entry = byFunction.get(key) ?? { function: name, location, ms: 0, percent: 0 };
    entry.ms += us / 1000;
    byFunction.set(key, entry);
  }
  return [...byFunction.values()]
    .map((entry) => ({ ...entry, percent: (entry.ms * 1000 * 100) / total }))
    .sort((a, b) => b.ms - a.ms);
}

if (require.main === module) {
  const [file, top = '25'] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: profile-summary.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  const rows = selfTimes(JSON.parse(readFileSync(file, 'utf8')) as Profile).slice(0, Number(top));
  process.stdout.write('| self ms | % | function | location |\n| ---: | ---: | --- | --- |\n');
  for (const row of rows) {
    process.stdout.write(
      `| ${row.ms.toFixed(0)} | ${row.percent.toFixed(1)} | ${row.function} | ${row.location} |\n`,
    );
  }
}
