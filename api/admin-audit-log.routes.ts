import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AuditActorType, AuditLogRow } from '../db/entities';
import { adminScopeShape, assertRange, rangeShape } from './admin-filters';
import type { AuditLogService } from './audit-log.service';
import { listObject } from './pagination';
import { sendJson } from './respond';
import { auditEntryObject } from './team.routes';
import { listQuerySchema, parse, text } from './validation';

const ACTOR_TYPES: Record<AuditActorType, true> = { member: true, api_key: true, admin_token: true, staff: true };

export const adminAuditLogQuerySchema = z.strictObject({
  ...listQuerySchema,
  actor: text().max(254).optional().meta({ description: "The actor's id or e-mail address." }),
  actor_type: z.enum(Object.keys(ACTOR_TYPES) as [AuditActorType, ...AuditActorType[]]).optional(),
  merchant: adminScopeShape.merchant,
  object_type: text().max(64).optional(),
  object_id: text().max(64).optional(),
  action: text().max(64).optional(),
  ...rangeShape('created'),
});

/** An entry as the platform's staff read it: the merchant console's entry and whose merchant it concerns. */
export function toAdminAuditEntryObject(row: AuditLogRow) {
  return { ...auditEntryObject(row), merchant: row.merchantId };
}

/** `GET /v1/admin/audit_log`: every admin and merchant-console action, filterable by actor, merchant and object. */
export function adminAuditLogRoutes(auditLog: AuditLogService): Router {
  const router = Router();
  router.get('/audit_log', async (req: Request, res: Response) => {
    const query = parse(adminAuditLogQuerySchema, req.query, 'query');
    assertRange(query, 'created');
    const page = await auditLog.list(null, {
      limit: query.limit,
      starting_after: query.starting_after,
      actor: query.actor,
      actorType: query.actor_type,
      merchant: query.merchant,
      object: query.object_id,
      objectType: query.object_type,
      action: query.action,
      since: query['created[gte]'],
      until: query['created[lte]'],
    });
    await sendJson(
      req,
      res,
      200,
      listObject('/v1/admin/audit_log', page.data.map(toAdminAuditEntryObject), page.hasMore),
    );
  });
  return router;
}
