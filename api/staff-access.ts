import type { NextFunction, Request, Response } from 'express';
import { recordAudit } from './audit-log.service';
import type { ApiDeps } from './deps';
import { forwardedFor, redacted } from './member-access';
import { actorOf, contextOf } from './request-context';
import { objectIdOf } from './route-pattern';
import { assertStaffAllowed, staffRuleFor, type StaffRouteRule } from './staff-roles';

/**
 * What a caller may do on the admin API, after authentication: a staff member's role must allow
 * the route (api/staff-roles.ts; the admin token is allowed everything), and every change, by
 * either, is written to the audit log with its answer and what the request said (an admin's
 * reason), secrets removed. Mounted after the body is parsed and before the Idempotency-Key is
 * claimed: a refused request has claimed nothing.
 */
export function staffAccess(deps: ApiDeps) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const actor = actorOf(req);
    const rule = staffRuleFor(req.method, req.path);
    if (actor.type === 'staff') assertStaffAllowed(actor.role, rule, req);
    if (req.method !== 'GET' && req.method !== 'HEAD' && rule.permission !== 'read') startAuditEntry(deps, req, rule);
    next();
  };
}

function startAuditEntry(deps: ApiDeps, req: Request, rule: StaffRouteRule): void {
  const actor = actorOf(req);
  const objectId = objectIdOf(rule, req.path);
  const details = req.body && typeof req.body === 'object' ? redacted(req.body) : undefined;
  contextOf(req).audit = async (status, body) => {
    // The object the answer is about: its own id, or the merchant a create answers with its first key.
    const answer = body as { id?: unknown; merchant?: unknown } | null;
    const ownedBy = typeof answer?.merchant === 'string' ? answer.merchant : null;
    const answered =
      answer?.id ??
      (answer?.merchant && typeof answer.merchant === 'object' ? (answer.merchant as { id?: unknown }).id : null);
    const object = objectId ?? (typeof answered === 'string' ? answered : null);
    await recordAudit(deps, {
      actorType: actor.type,
      actor: actor.id,
      actorEmail: actor.email,
      // A merchant's own page's actions, and those on an object the answer says is a merchant's
      // (an end user erased, a refund retried), are found in its log; the rest are the platform's.
      merchantId: rule.object === 'merchant' ? object : ownedBy,
      livemode: null,
      ip: req.socket.remoteAddress ?? null,
      forwardedFor: forwardedFor(req),
      requestId: contextOf(req).requestId,
      method: req.method,
      route: `/admin${rule.path}`,
      action: rule.action,
      objectType: rule.object,
      objectId: object,
      status,
      before: null,
      after: status < 400 ? redacted(body) : null,
      details,
    });
  };
}
