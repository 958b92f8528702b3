import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { recordAudit } from './audit-log.service';
import type { ApiDeps } from './deps';
import { forwardedFor } from './member-access';
import type { Membership, MembersService } from './members.service';
import { contextOf, sessionOf } from './request-context';
import { sendJson } from './respond';
import { emptyBodySchema, parse, text } from './validation';

export const createConsoleMerchantSchema = z.strictObject({ name: text().trim().min(1).max(200) });

export function membershipObject({ member, merchant }: Membership) {
  return {
    merchant: {
      id: merchant.id,
      name: merchant.name,
      live_mode: merchant.liveMode,
      status: merchant.status,
      require_mfa: merchant.requireMfa,
    },
    member: member.id,
    role: member.role,
    refund_limit: member.refundLimit,
  };
}

/**
 * The console's routes about the signed-in person rather than one merchant: who they are, which
 * merchants they belong to (the merchant switcher), and a new merchant of their own (sign-up).
 */
export function consoleRoutes(deps: ApiDeps, members: MembersService): Router {
  const router = Router();

  router.get('/session', async (req: Request, res: Response) => {
    parse(emptyBodySchema, req.query, 'query');
    const session = sessionOf(req);
    const memberships = await members.memberships(session.identityId);
    await sendJson(req, res, 200, {
      object: 'console_session' as const,
      identity: {
        id: session.identityId,
        email: session.email,
        name: session.name,
        locale: session.locale,
        aal: session.aal,
        email_verified: session.emailVerified,
      },
      memberships: memberships.map(membershipObject),
    });
  });

  router.post('/merchants', async (req: Request, res: Response) => {
    const params = parse(createConsoleMerchantSchema, req.body);
    const session = sessionOf(req);
    const created = await members.createMerchant(session, params.name);
    const answer = membershipObject(created);
    // The merchant's first entry: who made it, and from where.
    await recordAudit(deps, {
      actorType: 'member',
      actor: session.identityId,
      actorEmail: session.email,
      merchantId: created.merchant.id,
      livemode: null,
      ip: req.socket.remoteAddress ?? null,
      forwardedFor: forwardedFor(req),
      requestId: contextOf(req).requestId,
      method: 'POST',
      route: '/console/merchants',
      action: 'merchant.create',
      objectType: 'merchant',
      objectId: created.merchant.id,
      status: 201,
      before: null,
      after: answer,
    });
    await sendJson(req, res, 201, answer);
  });

  return router;
}
