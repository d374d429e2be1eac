import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Instance, startInstance } from './support/instance';
import { waitUntil } from './support/waits';

const ROOT = resolve(__dirname, '..');
const run = promisify(execFile);

/** What a deployment is built from: the sources and the build's configuration. */
const PROJECT_FILES = [
  'package.json',
  'package-lock.json',
  'nest-cli.json',
  '.swcrc',
  'tsconfig.json',
  'tsconfig.build.json',
  'src',
  'public',
  // The root package.json names this workspace: npm needs its manifest to prune. Only the
  // manifest, as the client-package test may be rebuilding the client's dist meanwhile.
  'clients/typescript/package.json',
];

// Copying node_modules, building and pruning take a while on a busy machine.
jest.setTimeout(300_000);

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * A copy of this project, built, then pruned of its devDependencies as a production install is:
 * no TypeScript, no Nest CLI, no swc-node. The repository's own node_modules is left alone.
 */
describe('a production install (built, then npm prune --omit=dev)', () => {
  let dir: string;
  let app: string;
  let databaseUrl: string;
  let instance: Instance | undefined;
  /** The service's own process (npm's child), from its first log line. */
  let servicePid: number | undefined;
  const env = () => ({ ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mnemo-prod-'));
    app = join(dir, 'app');
    databaseUrl = `sqlite:${join(dir, 'prod.db')}`;
    for (const file of [...PROJECT_FILES, 'node_modules']) {
      cpSync(join(ROOT, file), join(app, file), { recursive: true, verbatimSymlinks: true });
    }
    await run(
      process.execPath,
      [join('node_modules', '@nestjs', 'cli', 'bin', 'nest.js'), 'build'],
      {
        cwd: app,
      },
    );
    await run('npm', ['prune', '--omit=dev', '--offline', '--no-audit', '--no-fund'], { cwd: app });
  });
  afterAll(async () => {
    await instance?.stop();
    if (servicePid !== undefined && isAlive(servicePid)) process.kill(servicePid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('has no devDependencies left', () => {
    for (const devOnly of ['typescript', '@nestjs/cli', '@swc-node/register', 'jest'])
      expect(existsSync(join(app, 'node_modules', devOnly))).toBe(false);
    expect(existsSync(join(app, 'dist', 'main.js'))).toBe(true);
  });

  it('makes a key with npm run keys:prod, which the service started with npm run start:prod accepts', async () => {
    const { stdout } = await run(
      'npm',
      [
        'run',
        '--silent',
        'keys:prod',
        '--',
        'create',
        '--org',
        'acme',
        '--user',
        'alice',
        '--json',
      ],
      { cwd: app, env: env() },
    );
    const { key } = JSON.parse(stdout) as { key: string };
    instance = await startInstance(
      { DATABASE_URL: databaseUrl, HOST: '127.0.0.1', LOG_LEVEL: 'info', LOG_FORMAT: 'json' },
      { command: 'npm', args: ['run', '--silent', 'start:prod'], cwd: app },
    );
    const created = await fetch(`${instance.url}/api/v1/memories`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ content: 'stored by a production install' }),
    });
    expect(created.status).toBe(201);
    // The build reads every setting as the sources do (an optional one, HOST, included).
    expect(instance.output()).toContain(`"msg":"Listening on ${instance.url}"`);
    const listed = await run(process.execPath, ['dist/auth/keys.cli.js', 'list', '--json'], {
      cwd: app,
      env: env(),
    });
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ user_id: 'alice' })]);
  });

  it('stops the service itself, not only npm, on SIGTERM sent to npm run start:prod', async () => {
    servicePid = (JSON.parse(instance!.output().split('\n')[0]) as { pid: number }).pid;
    expect(servicePid).not.toBe(instance!.process.pid);
    expect(isAlive(servicePid)).toBe(true);
    await instance!.stop('SIGTERM');
    await waitUntil(() => !isAlive(servicePid!), 10_000, 'the service to exit');
    expect(instance!.output()).toContain('"msg":"Stopped"');
  });
});
