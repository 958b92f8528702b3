import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
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
export function consoleRoutes(members: MembersService): Router {
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
    const created = await members.createMerchant(sessionOf(req), params.name, contextOf(req).requestId);
    await sendJson(req, res, 201, membershipObject(created));
  });

  return router;
}
