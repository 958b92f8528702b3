import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { randomToken } from '../domain/ids';
import { ApiKeySchema } from '../db/entities';
import type { ApiDeps } from './deps';
import { AppError } from './errors';
import { contextOf } from './request-context';

/** Raised when the request carries no key, an unknown key or a revoked one. */
export class AuthenticationError extends AppError {
  constructor(code: string, message: string) {
    super('authentication_error', code, message);
  }
}

export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A new secret key; only its hash is stored, the secret is shown once. */
export function generateApiKey(livemode: boolean): { secret: string; hash: string; redacted: string } {
  const secret = `sk_${livemode ? 'live' : 'test'}_${randomToken(32)}`;
  return { secret, hash: hashApiKey(secret), redacted: `${secret.slice(0, 8)}…${secret.slice(-4)}` };
}

function bearerToken(req: Request): string | null {
  const header = req.get('authorization');
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match ? match[1] : null;
}

/** Authenticates a merchant by its secret key (`sk_test_…` or `sk_live_…`). */
export function merchantAuth(deps: ApiDeps) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const token = bearerToken(req);
    if (!token)
      throw new AuthenticationError(
        'api_key_missing',
        'No API key provided. Send it as "Authorization: Bearer sk_test_…".',
      );
    if (!/^sk_(test|live)_[0-9A-Za-z]+$/.test(token))
      throw new AuthenticationError('api_key_invalid', 'Invalid API key provided.');
    const em = deps.db.fork();
    const key = await em.findOne(ApiKeySchema, { keyHash: hashApiKey(token), revokedAt: null });
    if (!key) throw new AuthenticationError('api_key_invalid', 'Invalid API key provided.');
    contextOf(req).merchant = { id: key.merchantId, livemode: key.livemode, apiKeyId: key.id };
    next();
  };
}

/** Authenticates platform automation by TONGBAO_ADMIN_TOKEN. Kratos admin sessions come with the admin console. */
export function adminAuth(deps: ApiDeps) {
  const expected = Buffer.from(deps.config.adminToken);
  return (req: Request, _res: Response, next: NextFunction): void => {
    const token = bearerToken(req);
    if (!token) throw new AuthenticationError('admin_token_missing', 'No admin token provided.');
    const given = Buffer.from(token);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new AuthenticationError('admin_token_invalid', 'Invalid admin token provided.');
    }
    next();
  };
}
