import { DynamicModule, ModuleMetadata } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from '../../src/app.module';
import { loadConfig } from '../../src/config/app-config';
import { ConfigModule } from '../../src/config/config.module';

export interface AppContext {
  module: TestingModule;
  /** The SQLite file, for a second, raw connection. */
  databaseFile: string;
  close(): Promise<void>;
}

/** Only some of the application: its config, these modules and these providers. */
export interface PartOfTheApp {
  imports: NonNullable<ModuleMetadata['imports']>;
  providers?: ModuleMetadata['providers'];
}

/**
 * The application's real providers (all of them, or `part` of them), wired by Nest over a real
 * SQLite file in a fresh folder, with no HTTP server and no lifecycle start (so no background
 * producers run). Unit specs take the service under test from here instead of calling
 * constructors that grow new dependencies.
 */
export async function createAppContext(
  env: Record<string, string> = {},
  part?: PartOfTheApp,
): Promise<AppContext> {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-unit-'));
  const databaseFile = join(dir, 'mnemo.db');
  const config = loadConfig({
    DATABASE_URL: `sqlite:${databaseFile}`,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const root: DynamicModule[] = part ? [ConfigModule.forRoot(config)] : [AppModule.forRoot(config)];
  const module = await Test.createTestingModule({
    imports: [...root, ...(part?.imports ?? [])],
    providers: part?.providers ?? [],
  }).compile();
  let closed = false;
  return {
    module,
    databaseFile,
    close: async () => {
      if (closed) return;
      closed = true;
      await module.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
