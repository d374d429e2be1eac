import BetterSqlite3 from 'better-sqlite3';
import { withFakeDate } from '../../test/support/clock';
import { openTempDatabase, TempDatabase } from '../../test/support/temp-database';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyService } from './api-key.service';

describe('ApiKeyService', () => {
  let temp: TempDatabase;
  let service: ApiKeyService;

  beforeEach(async () => {
    temp = await openTempDatabase();
    service = new ApiKeyService(new ApiKeyRepository(temp.db));
  });
  afterEach(() => temp.close());

  describe('create', () => {
    it('returns the key once with its owner, all scopes by default, and not revoked', async () => {
      const created = await service.create({ organizationId: 'acme', userId: 'alice' });
      expect(created).toEqual({
        id: expect.stringMatching(/^key_[0-9a-f]{16}$/),
        key: expect.stringMatching(/^mnemo_[0-9a-f]{16}_/),
        organization_id: 'acme',
        user_id: 'alice',
        scopes: ['memories:read', 'memories:write', 'stream:read'],
        created_at: expect.any(String),
        revoked_at: null,
      });
    });

    it('stores only a hash: the secret appears nowhere in the database file', async () => {
      const created = await service.create({ organizationId: 'acme', userId: 'alice' });
      const secret = created.key.split('_').slice(2).join('_');
      const raw = new BetterSqlite3(temp.file, { readonly: true });
      try {
        const rows = raw.prepare('select * from api_keys').all();
        expect(JSON.stringify(rows)).not.toContain(secret);
        expect(rows).toHaveLength(1);
      } finally {
        raw.close();
      }
    });

    it('keeps the scopes given, once each', async () => {
      const created = await service.create({
        organizationId: 'acme',
        userId: 'alice',
        scopes: ['stream:read', 'memories:read', 'stream:read'],
      });
      expect(created.scopes).toEqual(['stream:read', 'memories:read']);
      const caller = await service.authenticate(created.key);
      expect(caller?.scopes).toEqual(['stream:read', 'memories:read']);
    });

    it.each([
      ['an unknown scope', { scopes: ['memories:delete'] }, /memories:delete/],
      ['no scopes at all', { scopes: [] }, /scopes/],
      ['an empty organization', { organizationId: '' }, /organization/],
      ['an organization with spaces', { organizationId: 'ac me' }, /organization/],
      ['a user over 128 characters', { userId: 'u'.repeat(129) }, /user/],
    ])('refuses %s and stores nothing', async (_, override, message) => {
      const input = { organizationId: 'acme', userId: 'alice', ...override } as Parameters<
        ApiKeyService['create']
      >[0];
      await expect(service.create(input)).rejects.toThrow(message);
      expect(await service.list()).toEqual([]);
    });
  });

  describe('authenticate', () => {
    it('resolves a key to its caller', async () => {
      const created = await service.create({
        organizationId: 'acme',
        userId: 'alice',
        scopes: ['memories:read'],
      });
      expect(await service.authenticate(created.key)).toEqual({
        keyId: created.id,
        organizationId: 'acme',
        userId: 'alice',
        scopes: ['memories:read'],
      });
    });

    it('answers null for a malformed key', async () => {
      expect(await service.authenticate('garbage')).toBeNull();
    });

    it('answers null for a well-formed key that was never issued', async () => {
      expect(await service.authenticate(`mnemo_0123456789abcdef_${'a'.repeat(43)}`)).toBeNull();
    });

    it('answers null for a real key id with another secret', async () => {
      const created = await service.create({ organizationId: 'acme', userId: 'alice' });
      const other = await service.create({ organizationId: 'acme', userId: 'bob' });
      const forged = `${created.key.slice(0, 'mnemo_'.length + 16)}${other.key.slice('mnemo_'.length + 16)}`;
      expect(await service.authenticate(forged)).toBeNull();
    });

    it('answers null for a revoked key, leaving other keys working', async () => {
      const revoked = await service.create({ organizationId: 'acme', userId: 'alice' });
      const kept = await service.create({ organizationId: 'acme', userId: 'alice' });
      await service.revoke(revoked.id);
      expect(await service.authenticate(revoked.key)).toBeNull();
      expect(await service.authenticate(kept.key)).not.toBeNull();
    });
  });

  describe('revoke', () => {
    it('answers true once, then false for the same key', async () => {
      const created = await service.create({ organizationId: 'acme', userId: 'alice' });
      expect(await service.revoke(created.id)).toBe(true);
      expect(await service.revoke(created.id)).toBe(false);
    });

    it('answers false for an unknown id', async () => {
      expect(await service.revoke('key_0000000000000000')).toBe(false);
    });

    it('records when the key was revoked', async () => {
      const created = await service.create({ organizationId: 'acme', userId: 'alice' });
      await service.revoke(created.id);
      const [listed] = await service.list();
      expect(listed.revoked_at).toEqual(expect.any(String));
      expect(listed.revoked_at! >= listed.created_at).toBe(true);
    });
  });

  describe('list', () => {
    it('lists every key in creation order, without secrets', async () => {
      const [b, a] = await withFakeDate(async (at) => {
        at('2024-01-01T00:00:00.000Z');
        const first = await service.create({ organizationId: 'globex', userId: 'bob' });
        at('2024-01-01T00:00:01.000Z');
        return [first, await service.create({ organizationId: 'acme', userId: 'alice' })];
      });
      const listed = await service.list();
      expect(listed.map((k) => k.id)).toEqual([b.id, a.id]);
      expect(JSON.stringify(listed)).not.toContain(a.key);
      for (const info of listed) expect(Object.keys(info)).not.toContain('key');
    });

    it("lists only one organization's keys when asked", async () => {
      await service.create({ organizationId: 'acme', userId: 'alice' });
      const b = await service.create({ organizationId: 'globex', userId: 'bob' });
      expect((await service.list('globex')).map((k) => k.id)).toEqual([b.id]);
      expect(await service.list('initech')).toEqual([]);
    });
  });
});
