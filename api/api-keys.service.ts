import { LockMode } from '@mikro-orm/core';
import { ApiKeySchema, type ApiKey } from '../db/entities';
import { newId } from '../domain/ids';
import { generateApiKey, type ApiKeyCache } from './auth';
import type { ApiDeps } from './deps';
import { InvalidRequestError, NotFoundError } from './errors';
import { paginate, unknownCursor, type Page } from './pagination';
import type { Merchant } from './payments.service';

/** The longest a rolled key may keep working: long enough to deploy the new one, short enough to matter. */
export const MAX_ROLL_GRACE_SECONDS = 7 * 24 * 3600;

/** Raised when a key is rolled or revoked that no longer works (revoked, or its grace is over). */
export class ApiKeyInactiveError extends InvalidRequestError {
  constructor(id: string) {
    super('api_key_inactive', `The API key ${id} is revoked or expired already.`, 'id');
  }
}

/**
 * The merchant's own secret keys, in the mode of the key (or console) asking: create, roll, revoke.
 * Keys are stored hashed; a new key's secret is answered once. `cache` is the API's key cache,
 * which a revoked or rolled key must leave at once.
 */
export function createApiKeysService(deps: ApiDeps, cache: ApiKeyCache) {
  const { db } = deps;

  /** A key of the merchant in its mode; another merchant's or mode's is 404, as if it did not exist. */
  async function find(merchant: Merchant, id: string): Promise<ApiKey> {
    const key = await db.fork().findOne(ApiKeySchema, { id, merchantId: merchant.id, livemode: merchant.livemode });
    if (!key) throw new NotFoundError('api_key', id);
    return key;
  }

  const usable = (key: ApiKey, now: Date) =>
    key.revokedAt === null && (!key.expiresAt || key.expiresAt.getTime() > now.getTime());

  function newKeyRow(merchant: Merchant, name: string | null) {
    const generated = generateApiKey(merchant.livemode);
    const row: ApiKey = {
      id: newId('apiKey'),
      merchantId: merchant.id,
      livemode: merchant.livemode,
      keyHash: generated.hash,
      redacted: generated.redacted,
      name,
      createdAt: new Date(),
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
    };
    return { row, secret: generated.secret };
  }

  return {
    find,

    /** The keys that work now (rolled ones in their grace too), newest first. */
    async list(merchant: Merchant, params: { limit: number; starting_after?: string }): Promise<Page<ApiKey>> {
      const qb = db
        .fork()
        .createQueryBuilder(ApiKeySchema, 'k')
        .where({
          merchantId: merchant.id,
          livemode: merchant.livemode,
          revokedAt: null,
          $or: [{ expiresAt: null }, { expiresAt: { $gt: new Date() } }],
        });
      return paginate(qb, params, (id) =>
        find(merchant, id).catch(() => {
          throw unknownCursor('api_key', id);
        }),
      );
    },

    async create(merchant: Merchant, params: { name?: string }): Promise<{ key: ApiKey; secret: string }> {
      const { row, secret } = newKeyRow(merchant, params.name ?? null);
      await db.fork().insert(ApiKeySchema, row);
      return { key: row, secret };
    },

    /**
     * A new key in place of `id`, answered once; `id` keeps working for `expiresIn` seconds (0: it
     * stops now), so that the merchant can deploy the new one first. A key already expiring keeps
     * the earlier of its expiries.
     */
    async roll(
      merchant: Merchant,
      id: string,
      expiresIn: number,
    ): Promise<{ key: ApiKey; secret: string; rolled: ApiKey }> {
      const result = await db.fork().transactional(async (tx) => {
        const now = new Date();
        // Locked: two rolls of one key at once make two new keys, but one expiry.
        const old = await tx.findOne(
          ApiKeySchema,
          { id, merchantId: merchant.id, livemode: merchant.livemode },
          { lockMode: LockMode.PESSIMISTIC_WRITE },
        );
        if (!old) throw new NotFoundError('api_key', id);
        if (!usable(old, now)) throw new ApiKeyInactiveError(id);
        const until = new Date(now.getTime() + expiresIn * 1000);
        if (!old.expiresAt || old.expiresAt > until) old.expiresAt = until;
        const created = newKeyRow(merchant, old.name ?? null);
        await tx.insert(ApiKeySchema, created.row);
        await tx.flush();
        return { key: created.row, secret: created.secret, rolled: old };
      });
      // Once committed: this process looks the old key up again, and holds it no longer than its new expiry.
      cache.forget(result.rolled.keyHash);
      return result;
    },

    async revoke(merchant: Merchant, id: string): Promise<ApiKey> {
      const revoked = await db.fork().transactional(async (tx) => {
        const key = await tx.findOne(ApiKeySchema, { id, merchantId: merchant.id, livemode: merchant.livemode });
        if (!key) throw new NotFoundError('api_key', id);
        if (!key.revokedAt) {
          key.revokedAt = new Date();
          await tx.flush();
        }
        return key;
      });
      cache.forget(revoked.keyHash);
      return revoked;
    },
  };
}

export type ApiKeysService = ReturnType<typeof createApiKeysService>;
