import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** What every key starts with, so that it is recognized wherever it turns up (logs, say). */
export const KEY_PREFIX = 'mnemo_';
const KEY_PATTERN = new RegExp(`^${KEY_PREFIX}([0-9a-f]{16})_([A-Za-z0-9_-]{43})$`);

export interface GeneratedKey {
  /** The public identifier, as listed and revoked: `key_` + 16 hex. */
  id: string;
  /** The whole secret the user keeps; shown once. */
  key: string;
  secretHash: string;
}

/** A key is `mnemo_<16 hex id>_<43 chars of base64url: 256 random bits>`. */
export function generateApiKey(): GeneratedKey {
  const idHex = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return {
    id: `key_${idHex}`,
    key: `${KEY_PREFIX}${idHex}_${secret}`,
    secretHash: hashSecret(secret),
  };
}

export function parseApiKey(raw: string): { id: string; secret: string } | null {
  const match = KEY_PATTERN.exec(raw);
  return match ? { id: `key_${match[1]}`, secret: match[2] } : null;
}

/** A fast hash is enough: the secret has 256 bits of entropy, so it cannot be guessed from it. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const given = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}
