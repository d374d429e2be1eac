import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';

/**
 * Which adapters a suite runs on, set per Jest project: `embedded` (SQLite and the in-process bus)
 * or `scale-out` (PostgreSQL and Redis).
 */
export const BACKEND: 'embedded' | 'scale-out' =
  process.env.MNEMO_TEST_BACKEND === 'scale-out' ? 'scale-out' : 'embedded';

export const POSTGRES_URL =
  process.env.MNEMO_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.MNEMO_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface Provisioned {
  /** Environment variables pointing the app at its own storage. */
  env: Record<string, string>;
  release(): Promise<void>;
}

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh PostgreSQL database, dropped on release. */
export async function freshPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `mnemo_test_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`create database ${name}`));
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      admin((client) => client.query(`drop database if exists ${name} with (force)`)).then(
        () => undefined,
      ),
  };
}

/** Storage of the chosen backend for one app, isolated from every other. */
export async function provisionBackend(dataDir: string): Promise<Provisioned> {
  if (BACKEND === 'embedded') {
    return {
      env: { DATABASE_URL: `sqlite:${join(dataDir, 'mnemo.db')}` },
      release: async () => undefined,
    };
  }
  const database = await freshPostgresDatabase();
  return {
    env: {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: `mnemo-test:${randomBytes(6).toString('hex')}:`,
    },
    release: () => database.drop(),
  };
}
