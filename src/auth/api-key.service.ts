import { Injectable } from '@nestjs/common';
import { generateApiKey, parseApiKey, secretMatches } from './api-key.format';
import { ApiKeyRepository, ApiKeyRow } from './api-key.repository';
import { Caller } from './caller';
import { isScope, Scope, SCOPES } from './scopes';

export interface ApiKeyInfo {
  id: string;
  organization_id: string;
  user_id: string;
  scopes: Scope[];
  created_at: string;
  revoked_at: string | null;
}

export interface NewApiKey {
  organizationId: string;
  userId: string;
  scopes?: readonly Scope[];
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/;

function toInfo(row: ApiKeyRow): ApiKeyInfo {
  return {
    id: row.id,
    organization_id: row.organization_id,
    user_id: row.user_id,
    scopes: JSON.parse(row.scopes) as Scope[],
    created_at: row.created_at,
    revoked_at: row.revoked_at,
  };
}

@Injectable()
export class ApiKeyService {
  constructor(private readonly keys: ApiKeyRepository) {}

  /** Creates a key; the returned `key` is the only time the secret exists outside its hash. */
  async create({
    organizationId,
    userId,
    scopes = SCOPES,
  }: NewApiKey): Promise<ApiKeyInfo & { key: string }> {
    for (const [name, value] of [
      ['organization', organizationId],
      ['user', userId],
    ]) {
      if (!NAME_PATTERN.test(value)) {
        throw new Error(`Invalid ${name} id "${value}": use 1-128 letters, digits or _ . : @ -`);
      }
    }
    const unknown = scopes.filter((scope) => !isScope(scope));
    if (unknown.length > 0 || scopes.length === 0) {
      throw new Error(`Invalid scopes "${scopes.join(',')}": choose from ${SCOPES.join(', ')}`);
    }
    const generated = generateApiKey();
    const row: ApiKeyRow = {
      id: generated.id,
      organization_id: organizationId,
      user_id: userId,
      scopes: JSON.stringify([...new Set(scopes)]),
      secret_hash: generated.secretHash,
      created_at: new Date().toISOString(),
      revoked_at: null,
    };
    await this.keys.insert(row);
    return { ...toInfo(row), key: generated.key };
  }

  /** The caller a raw key stands for, or null when it is malformed, unknown or revoked. */
  async authenticate(rawKey: string): Promise<Caller | null> {
    const parsed = parseApiKey(rawKey);
    if (!parsed) return null;
    const row = await this.keys.findById(parsed.id);
    if (!row || row.revoked_at !== null || !secretMatches(parsed.secret, row.secret_hash))
      return null;
    return toCaller(row);
  }

  /** The caller of a key known by id (a redeemed stream ticket), or null when revoked. */
  async authenticateById(keyId: string): Promise<Caller | null> {
    const row = await this.keys.findById(keyId);
    return row && row.revoked_at === null ? toCaller(row) : null;
  }

  /** Which of these keys are revoked (or gone): open streams on them must close. */
  async revokedAmong(keyIds: readonly string[]): Promise<Set<string>> {
    const active = await this.keys.activeAmong(keyIds);
    return new Set(keyIds.filter((id) => !active.has(id)));
  }

  async list(organizationId?: string): Promise<ApiKeyInfo[]> {
    return (await this.keys.list(organizationId)).map(toInfo);
  }

  async revoke(id: string): Promise<boolean> {
    return this.keys.revoke(id, new Date().toISOString());
  }
}

function toCaller(row: ApiKeyRow): Caller {
  return {
    keyId: row.id,
    organizationId: row.organization_id,
    userId: row.user_id,
    scopes: JSON.parse(row.scopes) as Scope[],
  };
}
