import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AuditLogRow, MerchantMember } from '../db/entities';
import { CHECKOUT_LOCALES } from '../domain/checkout-session';
import { normalizeEmail } from '../domain/customer';
import type { AuditLogService } from './audit-log.service';
import type { MembersService } from './members.service';
import { listObject } from './pagination';
import { actorOf, merchantOf } from './request-context';
import { sendJson } from './respond';
import { MEMBER_ROLES } from './roles';
import { emptyBodySchema, parse, pathId, plainListQuerySchema, text, withoutControlCharacters } from './validation';

const role = z.enum(MEMBER_ROLES as [string, ...string[]]) as z.ZodType<MerchantMember['role']>;
/** Minor units; a support member's refunds above it are refused. */
const refundLimit = z.number().int().min(0).max(100_000_000_00);

export const inviteMemberSchema = z.strictObject({
  email: z
    .string()
    .trim()
    .pipe(withoutControlCharacters(z.email()).max(254))
    .transform((value) => normalizeEmail(value)),
  role,
  name: text().trim().min(1).max(128).optional(),
  locale: z.enum(CHECKOUT_LOCALES).optional(),
  refund_limit: refundLimit.optional(),
});

export const updateMemberSchema = z.strictObject({ role: role.optional(), refund_limit: refundLimit.optional() });

export const auditLogQuerySchema = plainListQuerySchema.extend({
  actor: text().max(64).optional(),
  object: text().max(64).optional(),
  action: text().max(64).optional(),
});

export function memberObject(member: MerchantMember, you: string | null = null) {
  return {
    id: member.id,
    object: 'member' as const,
    email: member.email,
    role: member.role,
    refund_limit: member.refundLimit,
    invited_by: member.invitedBy,
    created_at: member.createdAt.toISOString(),
    joined_at: member.joinedAt ? member.joinedAt.toISOString() : null,
    you: member.identityId === you,
  };
}

export function auditEntryObject(row: AuditLogRow) {
  return {
    id: `aud_${row.id}`,
    object: 'audit_entry' as const,
    created_at: row.at.toISOString(),
    actor: { type: row.actorType, id: row.actor, email: row.actorEmail },
    livemode: row.livemode,
    ip: row.ip,
    forwarded_for: row.forwardedFor,
    request_id: row.requestId,
    method: row.method,
    route: row.route,
    action: row.action,
    object_type: row.objectType,
    object_id: row.objectId,
    status: row.status,
    before: row.before ?? null,
    after: row.after ?? null,
  };
}

const memberId = (req: Request) => pathId(req, 'mem', 'member');

/** The team page's routes: members (invite, change role, remove) and the audit log. Console sessions only (api/roles.ts). */
export function teamRoutes(members: MembersService, auditLog: AuditLogService): Router {
  const router = Router();
  const member = (req: Request) => {
    const actor = actorOf(req);
    if (actor.type !== 'member') throw new Error('team routes are for console members (api/roles.ts)');
    return actor;
  };

  router.get('/team/members', async (req: Request, res: Response) => {
    parse(emptyBodySchema, req.query, 'query');
    const list = await members.list(merchantOf(req).id);
    const you = member(req).id;
    await sendJson(
      req,
      res,
      200,
      listObject(
        '/v1/team/members',
        list.map((m) => memberObject(m, you)),
        false,
      ),
    );
  });

  router.post('/team/members', async (req: Request, res: Response) => {
    const params = parse(inviteMemberSchema, req.body);
    const invited = await members.invite(merchantOf(req).id, member(req), params);
    await sendJson(req, res, 201, memberObject(invited, member(req).id));
  });

  router.post('/team/members/:id', async (req: Request, res: Response) => {
    const id = memberId(req);
    const params = parse(updateMemberSchema, req.body);
    const updated = await members.update(merchantOf(req).id, id, member(req), params);
    await sendJson(req, res, 200, memberObject(updated, member(req).id));
  });

  router.delete('/team/members/:id', async (req: Request, res: Response) => {
    const id = memberId(req);
    const removed = await members.remove(merchantOf(req).id, id, member(req));
    await sendJson(req, res, 200, { ...memberObject(removed, member(req).id), deleted: true as const });
  });

  router.get('/audit_log', async (req: Request, res: Response) => {
    const params = parse(auditLogQuerySchema, req.query, 'query');
    const page = await auditLog.list(merchantOf(req), params);
    await sendJson(req, res, 200, listObject('/v1/audit_log', page.data.map(auditEntryObject), page.hasMore));
  });

  return router;
}
