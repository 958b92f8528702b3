import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Merchant } from '../db/entities';
import { apiKeyObject, createdApiKeyObject } from './api-keys.routes';
import type { ProviderName } from '../domain/payment';
import type { MembersService } from './members.service';
import type { MerchantsService } from './merchants.service';
import { inviteMemberSchema, memberObject } from './team.routes';
import type { PaymentsService } from './payments.service';
import { refundId } from './refunds.routes';
import type { RefundsService } from './refunds.service';
import { toRefundObject } from '../domain/refund';
import { actorOf, contextOf } from './request-context';
import { sendJson } from './respond';
import { emptyBodySchema, parse, pathId, text, withoutControlCharacters } from './validation';

export const createMerchantSchema = z.strictObject({
  name: text().trim().min(1).max(200),
  email: withoutControlCharacters(z.email()).max(254).optional(),
});

/** Why an admin steps in (a stuck refund retried or given up): required, kept in the audit log. */
export const adminReasonSchema = z.strictObject({ reason: text().trim().min(1).max(500) });

export const createApiKeySchema = z.strictObject({ livemode: z.boolean().default(false) });

const iso = (date: Date | null | undefined): string | null => (date ? date.toISOString() : null);

export function merchantObject(merchant: Merchant) {
  return {
    id: merchant.id,
    object: 'merchant' as const,
    name: merchant.name,
    email: merchant.email,
    live_mode: merchant.liveMode,
    live_mode_requested_at: iso(merchant.liveModeRequestedAt),
    live_mode_reason: merchant.liveModeReason ?? null,
    status: merchant.status,
    suspended_reason: merchant.suspendedReason ?? null,
    suspended_at: iso(merchant.suspendedAt),
    created_at: merchant.createdAt.toISOString(),
  };
}

/** The create route's answer: the test-mode secret key is shown this once. */
export function createdMerchantObject(created: { merchant: Merchant; testSecretKey: string }) {
  return { merchant: merchantObject(created.merchant), test_secret_key: created.testSecretKey };
}

/** The sandbox providers opened now for the merchant (empty when all were open already). */
export function sandboxAccountsObject(merchant: string, opened: ProviderName[]) {
  return { merchant, opened };
}

const merchantId = (req: Request) => pathId(req, 'mer', 'merchant');

/** Platform administration; every route here sits behind admin authentication. */
export function adminRoutes(
  merchants: MerchantsService,
  payments: PaymentsService,
  refunds: RefundsService,
  members: MembersService,
): Router {
  const router = Router();

  router.post('/merchants', async (req: Request, res: Response) => {
    const params = parse(createMerchantSchema, req.body);
    const created = await merchants.create(params);
    await sendJson(req, res, 201, createdMerchantObject(created));
  });

  // GET /merchants (searched and filtered) is in api/admin-merchants.routes.ts with the merchant's page.

  router.post('/merchants/:id/sandbox_accounts', async (req: Request, res: Response) => {
    parse(emptyBodySchema, req.body ?? {});
    const id = merchantId(req);
    await sendJson(req, res, 200, sandboxAccountsObject(id, await merchants.ensureSandboxAccounts(id)));
  });

  // A person added to a merchant by the platform (its first owner, say): invited as a member would invite them.
  router.post('/merchants/:id/members', async (req: Request, res: Response) => {
    const params = parse(inviteMemberSchema, req.body);
    const actor = actorOf(req);
    if (actor.type !== 'staff' && actor.type !== 'admin_token') throw new Error('admin routes are for the platform');
    const member = await members.invite(merchantId(req), actor, params);
    await sendJson(req, res, 201, memberObject(member));
  });

  router.post('/merchants/:id/api_keys', async (req: Request, res: Response) => {
    const params = parse(createApiKeySchema, req.body ?? {});
    const { key, secret } = await merchants.createApiKey(merchantId(req), params.livemode);
    await sendJson(req, res, 201, createdApiKeyObject(key, secret));
  });

  router.delete('/api_keys/:id', async (req: Request, res: Response) => {
    await sendJson(req, res, 200, apiKeyObject(await merchants.revokeApiKey(pathId(req, 'key', 'API key'))));
  });

  // Payments and refunds across merchants: api/admin-transactions.routes.ts.

  // The reason is the audit log's (api/staff-access.ts keeps what the request said).
  router.post('/refunds/:id/retry', async (req: Request, res: Response) => {
    parse(adminReasonSchema, req.body ?? {});
    await sendJson(req, res, 200, toRefundObject(await refunds.retry(refundId(req), contextOf(req).idempotency)));
  });

  router.post('/refunds/:id/cancel', async (req: Request, res: Response) => {
    parse(adminReasonSchema, req.body ?? {});
    await sendJson(req, res, 200, toRefundObject(await refunds.cancel(refundId(req), contextOf(req).idempotency)));
  });

  return router;
}
