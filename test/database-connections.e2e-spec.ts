import { Client } from 'pg';
import { POSTGRES_URL } from './support/backend';
import { bearer, postMemory } from './support/http';
import { startTestApp, TestApp } from './support/test-app';
import { waitUntilAsync } from './support/waits';

/** Ends every server process serving `databaseUrl`'s database, as a restart or failover would. */
async function terminateConnectionsTo(databaseUrl: string): Promise<number> {
  const admin = new Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    const { rowCount } = await admin.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [new URL(databaseUrl).pathname.slice(1)],
    );
    return rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

describe('PostgreSQL connections the server ends', () => {
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    t = await startTestApp();
    key = await t.createKey('acme', 'alice');
  });
  afterAll(() => t.close());

  const writeMemory = (content: string) =>
    fetch(`${t.url}/api/v1/memories`, {
      method: 'POST',
      headers: { ...bearer(key), 'Content-Type': 'application/json' },
      body: JSON.stringify({ content }),
    });

  it('cost the service nothing: it keeps answering on new connections', async () => {
    await postMemory(t.url, key, { content: 'before' });

    expect(await terminateConnectionsTo(t.config.databaseUrl)).toBeGreaterThan(0);

    // The pool learns of each ended connection when the server's notice arrives; a request that
    // picks one up before then fails once, so wait for a clean answer rather than the first one.
    await waitUntilAsync(
      async () => (await writeMemory('after')).status === 201,
      5000,
      'a write on a fresh connection',
    );
    const list = await fetch(`${t.url}/api/v1/memories`, { headers: bearer(key) });
    expect(list.status).toBe(200);
    const contents = ((await list.json()) as { data: { content: string }[] }).data.map(
      (memory) => memory.content,
    );
    expect(contents.sort()).toEqual(['after', 'before']);
  });
});
