import { Test, TestingModule } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from '../../src/app.module';
import { loadConfig } from '../../src/config/app-config';

export interface AppContext {
  module: TestingModule;
  /** The SQLite file, for a second, raw connection. */
  databaseFile: string;
  close(): Promise<void>;
}

/**
 * The application's real providers, wired by Nest over a real SQLite file in a fresh folder, with
 * no HTTP server and no lifecycle start (so no background producers run). Unit specs take the
 * service under test from here instead of calling constructors that grow new dependencies.
 */
export async function createAppContext(env: Record<string, string> = {}): Promise<AppContext> {
  const dir = mkdtempSync(join(tmpdir(), 'mnemo-unit-'));
  const databaseFile = join(dir, 'mnemo.db');
  const config = loadConfig({
    DATABASE_URL: `sqlite:${databaseFile}`,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const module = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
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
