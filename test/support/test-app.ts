import { NestExpressApplication } from '@nestjs/platform-express';
import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app.factory';
import { ApiKeyService } from '../../src/auth/api-key.service';
import { Scope } from '../../src/auth/scopes';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { provisionBackend } from './backend';

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  /** http://127.0.0.1:<port> */
  url: string;
  dataDir: string;
  createKey(organizationId: string, userId: string, scopes?: Scope[]): Promise<string>;
  close(): Promise<void>;
}

/**
 * The real application listening on port 0, on storage of its own: a SQLite file in a fresh
 * folder, or with the scale-out backend a fresh PostgreSQL database and its own Redis keys.
 */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mnemo-test-'));
  const backend = await provisionBackend(dataDir);
  const config = loadConfig({ ...backend.env, LOG_LEVEL: 'silent', ...env });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const keys = app.get(ApiKeyService);
  let closed = false;
  return {
    app,
    config,
    url: `http://127.0.0.1:${port}`,
    dataDir,
    createKey: async (organizationId, userId, scopes) =>
      (await keys.create({ organizationId, userId, scopes })).key,
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
      await backend.release();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
