import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { randomToken } from '../domain/ids';
import { ApiKeySchema } from '../db/entities';
import type { ApiDeps } from './deps';
import { AuthenticationError } from './errors';
import type { Kratos } from './kratos';
import { contextOf } from './request-context';
import { authenticateMember, hasSession } from './session-auth';

export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A new secret key; only its hash is stored, the secret is shown once. */
export function generateApiKey(livemode: boolean): { secret: string; hash: string; redacted: string } {
  const secret = `sk_${livemode ? 'live' : 'test'}_${randomToken(32)}`;
  return { secret, hash: hashApiKey(secret), redacted: `${secret.slice(0, 8)}…${secret.slice(-4)}` };
}

export function bearerToken(req: Request): string | null {
  const header = req.get('authorization');
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match ? match[1] : null;
}

/** Whom a secret key authenticates, and until when (a rolled key expires; null: until revoked). */
export type KeyHolder = { id: string; livemode: boolean; apiKeyId: string; expiresAt: number | null };

/** A key's last use is written at most this often (per API process): a write per request would cost more than it tells. */
const LAST_USED_PRECISION_MS = 60_000;

/**
 * Keys found lately, by hash, so that a merchant's requests do not each read `api_keys` (a third
 * of the queries of a create). Revoking a key forgets it here at once; another API process sees
 * the revocation within `ttlMs`. A key that expires (a rolled one) is never held past its expiry.
 * Unknown keys are never kept: each is looked up, so a key created a moment ago works at once.
 */
export class ApiKeyCache {
  private readonly keys = new Map<string, { holder: KeyHolder; until: number }>();

  constructor(
    readonly ttlMs = 5_000,
    /** Keys held at most; when full the oldest go first, so that many keys cannot fill memory. */
    private readonly maxKeys = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(hash: string): KeyHolder | null {
    const found = this.keys.get(hash);
    if (!found) return null;
    // A key is held until its expiry at most (see `set`), so a rolled key's grace is kept to the millisecond.
    if (found.until > this.now()) return found.holder;
    this.keys.delete(hash);
    return null;
  }

  set(hash: string, holder: KeyHolder): void {
    if (this.keys.size >= this.maxKeys) this.keys.delete(this.keys.keys().next().value!);
    const until = Math.min(this.now() + this.ttlMs, holder.expiresAt ?? Infinity);
    this.keys.set(hash, { holder, until });
  }

  /** Forgets a key (it was revoked, or its expiry moved): its next request reads `api_keys`. */
  forget(hash: string): void {
    this.keys.delete(hash);
  }
}

/**
 * Authenticates a merchant by its secret key (`sk_test_…` or `sk_live_…`), or a console member by
 * the Kratos session the console's server forwards (api/session-auth.ts).
 */
export function merchantAuth(deps: ApiDeps, keys: ApiKeyCache, kratos: Kratos) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    if (hasSession(req) && !req.get('authorization')) {
      await authenticateMember(req, deps, kratos);
      return next();
    }
    const token = bearerToken(req);
    if (!token)
      throw new AuthenticationError(
        'api_key_missing',
        'No API key provided. Send it as "Authorization: Bearer sk_test_…".',
      );
    if (!/^sk_(test|live)_[0-9A-Za-z]+$/.test(token))
      throw new AuthenticationError('api_key_invalid', 'Invalid API key provided.');
    const hash = hashApiKey(token);
    let holder = keys.get(hash);
    if (!holder) {
      const em = deps.db.fork();
      const now = new Date();
      const key = await em.findOne(ApiKeySchema, {
        keyHash: hash,
        revokedAt: null,
        $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }],
      });
      // An expired key is as invalid as an unknown one: the message must not tell an attacker it once worked.
      if (!key) throw new AuthenticationError('api_key_invalid', 'Invalid API key provided.');
      holder = {
        id: key.merchantId,
        livemode: key.livemode,
        apiKeyId: key.id,
        expiresAt: key.expiresAt ? key.expiresAt.getTime() : null,
      };
      keys.set(hash, holder);
      if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > LAST_USED_PRECISION_MS)
        await em.nativeUpdate(ApiKeySchema, { id: key.id }, { lastUsedAt: now });
    }
    contextOf(req).merchant = { id: holder.id, livemode: holder.livemode };
    contextOf(req).actor = { type: 'api_key', id: holder.apiKeyId, email: null };
    next();
  };
}
