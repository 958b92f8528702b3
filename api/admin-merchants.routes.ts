import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { apiKeyObject } from './api-keys.routes';
import { merchantObject } from './admin.routes';
import type { AdminMerchantsService, MerchantDetails, MerchantUser } from './admin-merchants.service';
import { InvalidRequestError } from './errors';
import type { MembersService } from './members.service';
import { memberObject } from './team.routes';
import { listObject } from './pagination';
import { contextOf } from './request-context';
import { sendJson } from './respond';
import { emptyBodySchema, listQuerySchema, parse, pathId, text } from './validation';

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export const listMerchantsSchema = z.strictObject({
  ...listQuerySchema,
  q: text()
    .trim()
    .min(1)
    .max(254)
    .optional()
    .describe('A merchant id, or part of its name or e-mail address (any case).'),
  live_mode: z.enum(['unavailable', 'requested', 'approved']).optional(),
  status: z.enum(['active', 'suspended']).optional(),
});

const reason = text('free_text').trim().min(1).max(500);

export const suspendMerchantSchema = z.strictObject({
  reason: reason.describe('Why (kept with the merchant and in the audit log; not shown to shoppers).'),
});

export const liveModeDecisionSchema = z.strictObject({
  reason: reason.optional().describe("Why; a refusal's reason is kept with the merchant for its people to read."),
});

export const lockMerchantUserSchema = z.strictObject({ reason: reason.describe('Why (kept with the lock).') });

/** A merchant's page: the merchant, its people, its keys (never a secret), and its last 30 days. */
export function merchantDetailsObject({ merchant, members, apiKeys, last30Days }: MerchantDetails) {
  return {
    ...merchantObject(merchant),
    members: members.map((member) => ({
      id: member.id,
      object: 'member' as const,
      identity_id: member.identityId,
      email: member.email,
      role: member.role,
      invited_by: member.invitedBy,
      created_at: member.createdAt.toISOString(),
      joined_at: iso(member.joinedAt),
      locked: member.locked,
    })),
    api_keys: apiKeys.map(apiKeyObject),
    last_30_days: last30Days,
  };
}

/** A person who uses merchant consoles, with their memberships and the platform's lock. */
export function merchantUserObject(user: MerchantUser) {
  return {
    id: user.identityId,
    object: 'merchant_user' as const,
    email: user.email,
    name: user.name,
    memberships: user.memberships.map((member) => ({
      merchant: member.merchantId,
      member: member.id,
      role: member.role,
      joined_at: iso(member.joinedAt),
    })),
    locked: user.lock !== null,
    locked_reason: user.lock?.reason ?? null,
    locked_by: user.lock?.lockedBy ?? null,
    locked_at: user.lock ? user.lock.lockedAt.toISOString() : null,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A Kratos identity id in the path: a 400 naming `identity_id` unless it is a UUID. */
function identityId(req: Request): string {
  const id = String(req.params.identity_id);
  if (!UUID.test(id))
    throw new InvalidRequestError('parameter_invalid', `Invalid identity id (a UUID): '${id}'`, 'identity_id');
  return id.toLowerCase();
}

function memberId(req: Request): string {
  const id = String(req.params.member_id);
  if (!/^mem_[0-9A-Za-z]{1,64}$/.test(id))
    throw new InvalidRequestError('parameter_invalid', `Invalid member id: '${id}'`, 'member_id');
  return id;
}

const merchantId = (req: Request) => pathId(req, 'mer', 'merchant');

/** Who did it, as a lock records it: the staff member's address, or `admin` for the admin token. */
function actorName(req: Request): string {
  const actor = contextOf(req).actor;
  return actor?.email ?? actor?.id ?? 'admin';
}

/**
 * `/v1/admin`: the console's Merchants and merchant users (issue 14). Access and the audit log are
 * api/staff-roles.ts' table; these routes only do the work.
 */
export function adminMerchantsRoutes(adminMerchants: AdminMerchantsService, members: MembersService): Router {
  const router = Router();

  router.get('/merchants', async (req: Request, res: Response) => {
    const { data, hasMore } = await adminMerchants.list(parse(listMerchantsSchema, req.query, 'query'));
    await sendJson(req, res, 200, listObject('/v1/admin/merchants', data.map(merchantObject), hasMore));
  });

  router.get('/merchants/:id', async (req: Request, res: Response) => {
    await sendJson(req, res, 200, merchantDetailsObject(await adminMerchants.details(merchantId(req))));
  });

  router.post('/merchants/:id/suspend', async (req: Request, res: Response) => {
    const id = merchantId(req);
    const params = parse(suspendMerchantSchema, req.body);
    await sendJson(req, res, 200, merchantObject(await adminMerchants.suspend(id, params.reason)));
  });

  router.post('/merchants/:id/reinstate', async (req: Request, res: Response) => {
    const id = merchantId(req);
    parse(emptyBodySchema, req.body ?? {});
    await sendJson(req, res, 200, merchantObject(await adminMerchants.reinstate(id)));
  });

  router.post('/merchants/:id/live_mode/approve', async (req: Request, res: Response) => {
    const id = merchantId(req);
    const params = parse(liveModeDecisionSchema, req.body ?? {});
    await sendJson(req, res, 200, merchantObject(await adminMerchants.approveLiveMode(id, params.reason ?? null)));
  });

  router.post('/merchants/:id/live_mode/revoke', async (req: Request, res: Response) => {
    const id = merchantId(req);
    const params = parse(liveModeDecisionSchema, req.body ?? {});
    await sendJson(req, res, 200, merchantObject(await adminMerchants.revokeLiveMode(id, params.reason ?? null)));
  });

  router.post('/merchants/:id/members/:member_id/resend_invitation', async (req: Request, res: Response) => {
    const [id, member] = [merchantId(req), memberId(req)];
    parse(emptyBodySchema, req.body ?? {});
    const resent = await members.resendInvitation(id, member, actorName(req), contextOf(req).requestId);
    await sendJson(req, res, 200, memberObject(resent));
  });

  router.get('/merchant_users/:identity_id', async (req: Request, res: Response) => {
    await sendJson(req, res, 200, merchantUserObject(await adminMerchants.merchantUser(identityId(req))));
  });

  router.post('/merchant_users/:identity_id/lock', async (req: Request, res: Response) => {
    const id = identityId(req);
    const params = parse(lockMerchantUserSchema, req.body);
    await sendJson(req, res, 200, merchantUserObject(await adminMerchants.lockUser(id, params.reason, actorName(req))));
  });

  router.post('/merchant_users/:identity_id/unlock', async (req: Request, res: Response) => {
    const id = identityId(req);
    parse(emptyBodySchema, req.body ?? {});
    await sendJson(req, res, 200, merchantUserObject(await adminMerchants.unlockUser(id)));
  });

  return router;
}
