import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { bearer, expectApiError } from './support/http';
import { runKeysCli } from './support/processes';
import { startTestApp, TestApp } from './support/test-app';

// Each run starts Node and compiles the CLI with swc-node: about a second, more on a busy machine.
jest.setTimeout(60_000);

interface CreatedKey {
  key: string;
  id: string;
  organization_id: string;
  user_id: string;
  scopes: string[];
}

describe('keys CLI', () => {
  let dir: string;
  let databaseUrl: string;
  let t: TestApp;
  const cli = (...args: string[]) => runKeysCli(databaseUrl, args);

  async function createKey(...args: string[]): Promise<CreatedKey> {
    const result = await cli('create', ...args, '--json');
    expect(result).toMatchObject({ code: 0 });
    return JSON.parse(result.stdout) as CreatedKey;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mnemo-cli-'));
    databaseUrl = `sqlite:${join(dir, 'shared.db')}`;
    t = await startTestApp({ DATABASE_URL: databaseUrl });
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('create --json prints one JSON object with key, id, organization_id, user_id, scopes', async () => {
    const result = await cli('create', '--org', 'acme', '--user', 'alice', '--json');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    const created = JSON.parse(result.stdout);
    expect(created).toMatchObject({
      key: expect.stringMatching(/^mnemo_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/),
      id: expect.stringMatching(/^key_[0-9a-f]{16}$/),
      organization_id: 'acme',
      user_id: 'alice',
      scopes: ['memories:read', 'memories:write', 'stream:read'],
    });
    expect(created.key).toContain(created.id.slice('key_'.length));
  });

  it('creates a key that the server on the same database accepts as its owner', async () => {
    const created = await createKey('--org', 'acme', '--user', 'alice');
    const response = await request(t.url)
      .post('/api/v1/memories')
      .set(bearer(created.key))
      .send({ content: 'made with a CLI key' })
      .expect(201);
    expect(response.body).toMatchObject({ organization_id: 'acme', created_by: 'alice' });
  });

  it('limits a key to the scopes given with --scopes', async () => {
    const created = await createKey(
      '--org',
      'acme',
      '--user',
      'reader',
      '--scopes',
      'memories:read',
    );
    expect(created.scopes).toEqual(['memories:read']);
    await request(t.url).get('/api/v1/memories').set(bearer(created.key)).expect(200);
    const write = await request(t.url)
      .post('/api/v1/memories')
      .set(bearer(created.key))
      .send({ content: 'x' });
    expectApiError(write, 403, 'FORBIDDEN');
  });

  it('prints the key once, with its id, without --json', async () => {
    const result = await cli('create', '--org', 'acme', '--user', 'plain');
    expect(result.code).toBe(0);
    const key = /mnemo_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/.exec(result.stdout)?.[0];
    expect(key).toBeDefined();
    expect(result.stdout.split(key!)).toHaveLength(2);
    expect(result.stdout).toMatch(/key_[0-9a-f]{16}/);
  });

  it('lists keys without their secrets, filtered by --org', async () => {
    const mine = await createKey('--org', 'listorg', '--user', 'lee');
    await createKey('--org', 'otherorg', '--user', 'olga');
    const result = await cli('list', '--org', 'listorg', '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      {
        id: mine.id,
        organization_id: 'listorg',
        user_id: 'lee',
        scopes: mine.scopes,
        created_at: expect.any(String),
        revoked_at: null,
      },
    ]);
    const text = await cli('list');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(mine.id);
    expect(text.stdout).toContain('otherorg');
    expect(text.stdout).not.toContain(mine.key);
  });

  it('revokes a key: the list shows it revoked and the running server answers 401', async () => {
    const created = await createKey('--org', 'acme', '--user', 'leaver');
    await request(t.url).get('/api/v1/memories').set(bearer(created.key)).expect(200);
    const result = await cli('revoke', created.id);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(created.id);
    const listed = JSON.parse((await cli('list', '--org', 'acme', '--json')).stdout) as {
      id: string;
      revoked_at: string | null;
    }[];
    expect(listed.find((k) => k.id === created.id)?.revoked_at).toEqual(expect.any(String));
    const response = await request(t.url).get('/api/v1/memories').set(bearer(created.key));
    expectApiError(response, 401, 'AUTH_ERROR');
    const header = await request(t.url).get('/api/v1/memories').set('X-API-Key', created.key);
    expectApiError(header, 401, 'AUTH_ERROR');
  });

  it('exits non-zero naming the id when revoking an unknown key', async () => {
    const result = await cli('revoke', 'key_0000000000000000');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('key_0000000000000000');
  });

  it('exits non-zero on bad scopes, naming them and the valid ones, and creates nothing', async () => {
    const result = await cli(
      'create',
      '--org',
      'badscope',
      '--user',
      'u',
      '--scopes',
      'memories:delete',
    );
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('memories:delete');
    expect(result.stderr).toContain('memories:read');
    const listed = await cli('list', '--org', 'badscope', '--json');
    expect(JSON.parse(listed.stdout)).toEqual([]);
  });

  it('exits non-zero with a message when --user is missing', async () => {
    const result = await cli('create', '--org', 'acme');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--user/);
  });

  it('exits non-zero with the usage on an unknown command', async () => {
    const result = await cli('rotate');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('rotate');
    expect(result.stderr).toMatch(/Usage/);
  });
});
