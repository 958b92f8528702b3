import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { ApiKey } from '../db/entities';
import { MAX_ROLL_GRACE_SECONDS, type ApiKeysService } from './api-keys.service';
import { listObject } from './pagination';
import { merchantOf } from './request-context';
import { sendJson } from './respond';
import { parse, pathId, plainListQuerySchema, text } from './validation';

export const createMerchantApiKeySchema = z.strictObject({
  name: text().trim().min(1).max(100).optional(),
});

export const rollApiKeySchema = z.strictObject({
  expires_in: z
    .number()
    .int()
    .min(0)
    .max(MAX_ROLL_GRACE_SECONDS)
    .describe('Seconds the old key keeps working; 0 stops it now. At most 7 days.'),
});

const iso = (date: Date | null | undefined): string | null => (date ? date.toISOString() : null);

/** A key as the merchant (and the platform's admin) sees it: never its secret. */
export function apiKeyObject(key: ApiKey) {
  return {
    id: key.id,
    object: 'api_key' as const,
    merchant: key.merchantId,
    livemode: key.livemode,
    name: key.name ?? null,
    redacted: key.redacted,
    created_at: key.createdAt.toISOString(),
    last_used_at: iso(key.lastUsedAt),
    expires_at: iso(key.expiresAt),
    revoked_at: iso(key.revokedAt),
  };
}

/** A new key's answer: its secret is shown this once. */
export function createdApiKeyObject(key: ApiKey, secret: string) {
  return { ...apiKeyObject(key), secret };
}

const apiKeyId = (req: Request) => pathId(req, 'key', 'API key');

/** `/v1/api_keys`: the merchant's own secret keys, in the caller's mode. */
export function apiKeysRoutes(apiKeys: ApiKeysService): Router {
  const router = Router();

  router.get('/api_keys', async (req: Request, res: Response) => {
    const { data, hasMore } = await apiKeys.list(merchantOf(req), parse(plainListQuerySchema, req.query, 'query'));
    await sendJson(req, res, 200, listObject('/v1/api_keys', data.map(apiKeyObject), hasMore));
  });

  router.post('/api_keys', async (req: Request, res: Response) => {
    const params = parse(createMerchantApiKeySchema, req.body ?? {});
    const { key, secret } = await apiKeys.create(merchantOf(req), params);
    await sendJson(req, res, 201, createdApiKeyObject(key, secret));
  });

  router.post('/api_keys/:id/roll', async (req: Request, res: Response) => {
    const id = apiKeyId(req);
    const { expires_in } = parse(rollApiKeySchema, req.body);
    const { key, secret } = await apiKeys.roll(merchantOf(req), id, expires_in);
    await sendJson(req, res, 201, createdApiKeyObject(key, secret));
  });

  router.post('/api_keys/:id/revoke', async (req: Request, res: Response) => {
    const id = apiKeyId(req);
    await sendJson(req, res, 200, apiKeyObject(await apiKeys.revoke(merchantOf(req), id)));
  });

  return router;
}
