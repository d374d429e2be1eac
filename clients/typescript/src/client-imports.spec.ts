import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const CLIENT_DIR = __dirname;
const sources = readdirSync(CLIENT_DIR).filter(
  (name) => name.endsWith('.ts') && !name.endsWith('.spec.ts'),
);

/** Every module the file names, type-only imports included. */
function imported(file: string): string[] {
  const text = readFileSync(join(CLIENT_DIR, file), 'utf8');
  return ts.preProcessFile(text, true, true).importedFiles.map((ref) => ref.fileName);
}

/** What the file requires once compiled: type-only imports are gone by then. */
function runtimeRequires(file: string): string[] {
  const { outputText } = ts.transpileModule(readFileSync(join(CLIENT_DIR, file), 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  return [...outputText.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]);
}

// The package installs on its own, in Node and in browsers: no server code, no Node built-ins.
describe('the client package (clients/typescript)', () => {
  it.each(sources)('%s imports only the package itself and eventsource-parser', (file) => {
    const outside = imported(file).filter(
      (name) => name !== 'eventsource-parser' && !/^\.\/[\w-]+$/.test(name),
    );
    expect(outside).toEqual([]);
  });

  it.each(sources)('%s requires at run time at most eventsource-parser', (file) => {
    const required = runtimeRequires(file).filter((name) => !/^\.\/[\w-]+$/.test(name));
    expect(required.every((name) => name === 'eventsource-parser')).toBe(true);
  });

  it('finds the sources it checks', () => {
    expect(sources).toEqual(expect.arrayContaining(['index.ts', 'memory-stream.ts']));
  });
});
