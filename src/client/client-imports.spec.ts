import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const CLIENT_DIR = __dirname;
const sources = readdirSync(CLIENT_DIR).filter(
  (name) => name.endsWith('.ts') && !name.endsWith('.spec.ts'),
);

/** What the file requires once compiled: type-only imports are gone by then. */
function runtimeRequires(file: string): string[] {
  const { outputText } = ts.transpileModule(readFileSync(join(CLIENT_DIR, file), 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  return [...outputText.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]);
}

describe('the client package (src/client)', () => {
  it.each(sources)(
    '%s requires at run time only the client itself and eventsource-parser',
    (file) => {
      for (const required of runtimeRequires(file)) {
        expect(required === 'eventsource-parser' || /^\.\/[\w-]+$/.test(required)).toBe(true);
      }
    },
  );

  it('reaches outside its folder only for the types of the event map', () => {
    let reaches = 0;
    for (const file of sources) {
      const text = readFileSync(join(CLIENT_DIR, file), 'utf8');
      for (const [statement] of text.matchAll(/^(?:import|export)[^;]*?from '\.\.\/[^']+';/gms)) {
        expect(statement).toMatch(/^(import|export) type [^;]*from '\.\.\/events\/event-map';$/s);
        reaches += 1;
      }
    }
    expect(reaches).toBeGreaterThan(0);
  });
});
