import { generateApiKey, hashSecret, parseApiKey, secretMatches } from './api-key.format';

const KEY = /^mnemo_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

describe('API key format', () => {
  describe('generateApiKey', () => {
    it('makes a prefixed key whose id is key_ plus the hex inside it', () => {
      const generated = generateApiKey();
      const match = KEY.exec(generated.key);
      expect(match).not.toBeNull();
      expect(generated.id).toBe(`key_${match![1]}`);
    });

    it('carries 256 bits of secret: 43 base64url characters that decode to 32 bytes', () => {
      const secret = KEY.exec(generateApiKey().key)![2];
      expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    });

    it('makes a different id and secret every time', () => {
      const keys = Array.from({ length: 50 }, () => generateApiKey());
      expect(new Set(keys.map((k) => k.id)).size).toBe(50);
      expect(new Set(keys.map((k) => k.key)).size).toBe(50);
    });

    it('returns the hash of the secret, never the secret itself', () => {
      const generated = generateApiKey();
      const secret = KEY.exec(generated.key)![2];
      expect(generated.secretHash).toBe(hashSecret(secret));
      expect(generated.secretHash).not.toContain(secret);
    });
  });

  describe('parseApiKey', () => {
    it('splits a generated key back into its id and secret', () => {
      const generated = generateApiKey();
      const parsed = parseApiKey(generated.key);
      expect(parsed).toEqual({ id: generated.id, secret: KEY.exec(generated.key)![2] });
      expect(secretMatches(parsed!.secret, generated.secretHash)).toBe(true);
    });

    it.each([
      ['an empty string', ''],
      ['another prefix', `other_0123456789abcdef_${'a'.repeat(43)}`],
      ['uppercase hex', `mnemo_0123456789ABCDEF_${'a'.repeat(43)}`],
      ['a short id', `mnemo_0123456789abcde_${'a'.repeat(43)}`],
      ['a short secret', `mnemo_0123456789abcdef_${'a'.repeat(42)}`],
      ['a long secret', `mnemo_0123456789abcdef_${'a'.repeat(44)}`],
      ['characters outside base64url', `mnemo_0123456789abcdef_${'a'.repeat(42)}+`],
      ['surrounding text', ` mnemo_0123456789abcdef_${'a'.repeat(43)}`],
    ])('rejects %s', (_, raw) => {
      expect(parseApiKey(raw)).toBeNull();
    });
  });

  describe('hashSecret and secretMatches', () => {
    it('hashes with SHA-256 to 64 hex characters, the same way every time', () => {
      expect(hashSecret('abc')).toBe(
        'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      );
      expect(hashSecret('s3cret')).toBe(hashSecret('s3cret'));
      expect(hashSecret('s3cret')).not.toBe(hashSecret('s3creT'));
    });

    it('matches only the secret that was hashed', () => {
      const stored = hashSecret('right');
      expect(secretMatches('right', stored)).toBe(true);
      expect(secretMatches('wrong', stored)).toBe(false);
      expect(secretMatches('', stored)).toBe(false);
    });

    it('answers false instead of throwing when the stored hash has another length', () => {
      expect(secretMatches('right', 'abcd')).toBe(false);
      expect(secretMatches('right', '')).toBe(false);
    });
  });
});
