import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ApiKeyRepository } from '../../src/auth/api-key.repository';
import { ApiKeyService } from '../../src/auth/api-key.service';
import { openDatabase } from '../../src/database/open-database';
import { Instance } from './instance';
import { waitUntilAsync } from './waits';

const ROOT = join(__dirname, '..', '..');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The real keys CLI, as `npm run keys` starts it, on the given database; resolves when it exits. */
export function runKeysCli(databaseUrl: string, args: string[]): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', 'src/auth/keys.cli.ts', ...args],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/**
 * A key for acme/alice, made in the database at `databaseUrl` before any instance starts (which
 * also runs the migrations once, before instances race for them).
 */
export async function createKeyIn(databaseUrl: string): Promise<string> {
  const db = await openDatabase(databaseUrl);
  try {
    return (
      await new ApiKeyService(new ApiKeyRepository(db)).create({
        organizationId: 'acme',
        userId: 'alice',
      })
    ).key;
  } finally {
    await db.destroy();
  }
}

/**
 * Eight writers create memories on `instance` as fast as it answers; once at least `answered`
 * creates have been answered, the instance is killed with SIGKILL. Resolves when every writer has
 * seen its connection fail.
 */
export async function killDuringWrites(
  instance: Instance,
  key: string,
  answered = 40,
): Promise<void> {
  let count = 0;
  const writers = Array.from({ length: 8 }, async (_, writer) => {
    for (let i = 0; ; i += 1) {
      const response = await fetch(`${instance.url}/api/v1/memories`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ content: `burst ${writer}.${i}` }),
      }).catch(() => null);
      if (!response) return;
      count += 1;
    }
  });
  await waitUntilAsync(async () => count >= answered, 20_000, 'the writes to be under way');
  await instance.stop('SIGKILL');
  await Promise.all(writers);
}
