import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startTestApp, TestApp } from './support/test-app';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..');
const PACKAGE_DIR = join(ROOT, 'clients/typescript');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

interface PackResult {
  filename: string;
  files: Array<{ path: string }>;
}

/**
 * A program in another project, written as a user would: ESM, strict TypeScript without Node's
 * types (the client's declarations must stand alone), run against a real server.
 */
function consumerSource(baseUrl: string, apiKey: string): string {
  return `import { MemoryClient, type StreamEvent } from '@mnemo/client';

const client = new MemoryClient({ apiKey: ${JSON.stringify(apiKey)}, baseUrl: ${JSON.stringify(baseUrl)} });
const { stream_position } = await client.listMemories({ limit: 1 });
const memory = await client.createMemory({ content: 'from the packed client', tags: ['packed'] });
const stream = client.createStream({ events: ['memory.created'], lastEventId: stream_position });
let opened = 0;
stream.on('open', () => (opened += 1));
const seen: StreamEvent[] = [];
for await (const event of stream) {
  seen.push(event);
  if (event.type === 'memory.created') {
    // @ts-expect-error memory.created carries no change flags: the event types are real
    void event.data.changes;
    if (event.data.id === memory.id) break;
  }
}
console.log(JSON.stringify({ memory: memory.id, seen: seen.map((e) => e.type), opened, state: stream.readyState }));
`;
}

/** Packs the client, installs the tarball into a new project and runs a program there. */
describe('the TypeScript client as a package of its own', () => {
  let t: TestApp;
  let dir: string;

  beforeAll(async () => {
    t = await startTestApp();
    dir = await mkdtemp(join(tmpdir(), 'mnemo-client-'));
  });
  afterAll(async () => {
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('installs from its tarball with eventsource-parser alone, type-checks and streams', async () => {
    // `npm pack` builds it first (prepack); --json keeps the listing on stdout.
    const packed = await run('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: PACKAGE_DIR,
    });
    const [pack] = JSON.parse(packed.stdout) as PackResult[];
    const paths = pack.files.map((file) => file.path);
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/index.js']));
    expect(paths.filter((path) => !/^(package\.json|README\.md|dist\/)/.test(path))).toEqual([]);
    expect(paths.filter((path) => path.includes('.spec.'))).toEqual([]);

    const project = join(dir, 'consumer');
    await mkdir(project);
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, pack.filename)],
      { cwd: project },
    );
    const installed = await run('npm', ['ls', '--all', '--parseable'], { cwd: project });
    const modules = installed.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((path) => path.slice(path.indexOf('node_modules/') + 'node_modules/'.length));
    expect(modules.sort()).toEqual(['@mnemo/client', 'eventsource-parser']);

    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          lib: ['es2022', 'dom', 'dom.iterable'],
          types: [],
          strict: true,
          skipLibCheck: false,
        },
        files: ['consumer.ts'],
      }),
    );
    const key = await t.createKey('acme', 'alice');
    await writeFile(join(project, 'consumer.ts'), consumerSource(t.url, key));
    await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: project });

    const { stdout } = await run(process.execPath, ['consumer.js'], {
      cwd: project,
      timeout: 20_000,
    });
    const result = JSON.parse(stdout) as { memory: string; seen: string[]; opened: number };
    expect(result).toEqual({
      memory: expect.stringMatching(/^mem_/),
      seen: ['memory.created'],
      opened: 1,
      state: 'closed',
    });
    const stored = await fetch(`${t.url}/api/v1/memories/${result.memory}`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    expect(await stored.json()).toMatchObject({ content: 'from the packed client' });

    // CommonJS projects require it too.
    const required = await run(
      process.execPath,
      ['-e', "console.log(typeof require('@mnemo/client').MemoryClient)"],
      { cwd: project },
    );
    expect(required.stdout.trim()).toBe('function');
    const manifest = JSON.parse(
      await readFile(join(project, 'node_modules/@mnemo/client/package.json'), 'utf8'),
    ) as { dependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies)).toEqual(['eventsource-parser']);
  }, 180_000);
});
