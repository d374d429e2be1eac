import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { preProcessFile } from 'typescript';

const SRC = __dirname;

/** The folder of src/ a file belongs to; files at the top (main.ts, app.module.ts) make up `.`. */
function folderOf(file: string): string {
  const parts = relative(SRC, file).split(sep);
  return parts.length > 1 ? parts[0] : '.';
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Folder -> folders it imports from (any file, specs included), with one file that does it. */
function folderImports(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of sourceFiles(SRC)) {
    const from = folderOf(file);
    const edges = graph.get(from) ?? new Map<string, string>();
    graph.set(from, edges);
    for (const { fileName } of preProcessFile(readFileSync(file, 'utf8')).importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = resolve(dirname(file), fileName);
      if (relative(SRC, target).startsWith('..')) continue;
      const to = folderOf(target);
      if (to !== from && !edges.has(to)) edges.set(to, relative(SRC, file));
    }
  }
  return graph;
}

/** Every cycle found by a depth-first walk, each as `a -> b (by file) -> a`. */
function cycles(graph: Map<string, Map<string, string>>): string[] {
  const found: string[] = [];
  const done = new Set<string>();
  const walk = (folder: string, path: string[]): void => {
    const at = path.indexOf(folder);
    if (at >= 0) {
      const loop = [...path.slice(at), folder];
      found.push(
        loop
          .map((f, i) => (i === 0 ? f : `${f} (imported by ${graph.get(loop[i - 1])!.get(f)})`))
          .join(' -> '),
      );
      return;
    }
    if (done.has(folder)) return;
    for (const next of graph.get(folder)?.keys() ?? []) walk(next, [...path, folder]);
    done.add(folder);
  };
  for (const folder of graph.keys()) walk(folder, []);
  return found;
}

describe('imports between the folders of src/', () => {
  it('point one way: no folder imports, directly or not, from a folder that imports it', () => {
    expect(cycles(folderImports())).toEqual([]);
  });

  it('are read from the sources: the top of src/ imports the feature folders', () => {
    const graph = folderImports();
    expect([...graph.get('.')!.keys()]).toEqual(
      expect.arrayContaining(['activity', 'memory', 'stream', 'events']),
    );
    expect(cycles(new Map([...graph, ['events', new Map([['.', 'made up']])]]))).not.toEqual([]);
  });
});
