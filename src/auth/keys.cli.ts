import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/app-config';
import { openDatabase } from '../database/open-database';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyInfo, ApiKeyService } from './api-key.service';
import { Scope } from './scopes';

const USAGE = `Usage:
  npm run keys -- create --org ORG --user USER [--scopes memories:read,memories:write,stream:read] [--json]
  npm run keys -- list [--org ORG] [--json]
  npm run keys -- revoke ID [--json]`;

function describe(key: ApiKeyInfo): string {
  const state = key.revoked_at ? `revoked ${key.revoked_at}` : 'active';
  return `${key.id}  org=${key.organization_id}  user=${key.user_id}  scopes=${key.scopes.join(',')}  ${state}`;
}

async function run(argv: string[], service: ApiKeyService): Promise<string> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      org: { type: 'string' },
      user: { type: 'string' },
      scopes: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const [command, ...rest] = positionals;
  const json = values.json;
  switch (command) {
    case 'create': {
      if (!values.org || !values.user) throw new Error('create needs --org and --user');
      const scopes = values.scopes?.split(',').map((s) => s.trim()) as Scope[] | undefined;
      const created = await service.create({
        organizationId: values.org,
        userId: values.user,
        scopes,
      });
      if (json) return JSON.stringify(created);
      return `${describe(created)}\n\nAPI key (shown once, store it now):\n${created.key}`;
    }
    case 'list': {
      const keys = await service.list(values.org);
      if (json) return JSON.stringify(keys);
      return keys.length > 0 ? keys.map(describe).join('\n') : 'No keys.';
    }
    case 'revoke': {
      if (rest.length !== 1) throw new Error('revoke needs exactly one key id');
      const revoked = await service.revoke(rest[0]);
      if (!revoked) throw new Error(`No active key with id ${rest[0]}`);
      return json ? JSON.stringify({ id: rest[0], revoked: true }) : `Revoked ${rest[0]}.`;
    }
    default:
      throw new Error(command ? `Unknown command "${command}"` : 'Missing command');
  }
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const db = await openDatabase(config.databaseUrl);
  try {
    process.stdout.write(
      `${await run(process.argv.slice(2), new ApiKeyService(new ApiKeyRepository(db)))}\n`,
    );
  } finally {
    await db.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
  process.exitCode = 1;
});
