import type { NextFunction, Request, Response } from 'express';
import type { MemberRole, MerchantStatus } from '../db/entities';
import type { ApiDeps } from './deps';
import { AuthenticationError, InvalidRequestError, PermissionError } from './errors';
import { SESSION_HEADER, type ConsoleSession, type Kratos } from './kratos';
import { assertMerchantMay } from './merchant-suspension';
import { contextOf } from './request-context';

/** Which of the person's merchants a console request is for. */
export const MERCHANT_HEADER = 'Tongbao-Merchant';
/** `test` (the default) or `live`: the console shows one mode at a time. */
export const MODE_HEADER = 'Tongbao-Mode';
/** The address the person's browser used, as the console's server saw it (the audit log keeps it as claimed). */
export const CLIENT_IP_HEADER = 'Tongbao-Client-Ip';

export function hasSession(req: Request): boolean {
  return req.get(SESSION_HEADER) !== undefined;
}

/** The signed-in person of a console request: 401 without a valid Kratos session. */
export async function authenticateSession(req: Request, kratos: Kratos): Promise<ConsoleSession> {
  const token = req.get(SESSION_HEADER)?.trim();
  if (!token) throw new AuthenticationError('session_missing', `No session: sign in (the ${SESSION_HEADER} header).`);
  const session = await kratos.whoami(token);
  contextOf(req).session = session;
  return session;
}

/** Raised when the platform locked the signed-in person (locked_identities): every merchant refuses them. */
export class IdentityLockedError extends PermissionError {
  constructor() {
    super('identity_locked', 'Your account is locked by the platform. Contact Tongbao support.');
  }
}

/** Console routes about the person rather than one merchant (their memberships, a new merchant). */
export function consoleAuth(kratos: Kratos, deps: ApiDeps) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const session = await authenticateSession(req, kratos);
    if (session.schemaId !== 'merchant_user')
      throw new PermissionError('console_forbidden', 'This sign-in is for the admin console, not a merchant console.');
    const locked = await deps.db
      .fork()
      .getConnection()
      .execute<unknown[]>('select 1 from locked_identities where identity_id = ?', [session.identityId]);
    if (locked.length) throw new IdentityLockedError();
    next();
  };
}

type MembershipRow = {
  member_id: string;
  role: MemberRole;
  refund_limit: string | null;
  joined_at: Date | null;
  live_mode: string;
  require_mfa: boolean;
  status: MerchantStatus;
  locked: boolean;
};

/**
 * A console request to the merchant API: the session's person must be a member of the merchant
 * the request names, the mode must be open to the merchant, and a merchant that requires a second
 * factor gets only sessions that used one. Sets the request's merchant and actor as a key would.
 */
export async function authenticateMember(req: Request, deps: ApiDeps, kratos: Kratos): Promise<void> {
  const session = await authenticateSession(req, kratos);
  const merchantId = req.get(MERCHANT_HEADER)?.trim();
  if (!merchantId)
    throw new InvalidRequestError(
      'merchant_missing',
      `Name the merchant in the ${MERCHANT_HEADER} header.`,
      MERCHANT_HEADER,
    );
  const mode = req.get(MODE_HEADER)?.trim() ?? 'test';
  if (mode !== 'test' && mode !== 'live')
    throw new InvalidRequestError('parameter_invalid', `${MODE_HEADER} must be test or live.`, MODE_HEADER);
  const rows = await deps.db
    .fork()
    .getConnection()
    .execute<MembershipRow[]>(
      `select mm.id as member_id, mm.role, mm.refund_limit, mm.joined_at, m.live_mode, m.require_mfa, m.status,
              exists (select 1 from locked_identities l where l.identity_id = mm.identity_id) as locked
       from merchant_members mm join merchants m on m.id = mm.merchant_id
      where mm.merchant_id = ? and mm.identity_id = ?`,
      [merchantId, session.identityId],
    );
  const membership = rows[0];
  // The same answer for a merchant that does not exist: ids are not to be probed.
  if (!membership || session.schemaId !== 'merchant_user')
    throw new PermissionError('not_a_member', `You are not a member of ${merchantId}.`, MERCHANT_HEADER);
  // Read with the membership on every request (no cache): a lock or a suspension holds at once, in every process.
  if (membership.locked) throw new IdentityLockedError();
  assertMerchantMay(membership.status, req.method, req.path);
  if (mode === 'live' && membership.live_mode !== 'approved')
    throw new PermissionError(
      'live_mode_unavailable',
      'Live mode is not open to this merchant yet: a platform admin approves it.',
      MODE_HEADER,
    );
  if (membership.require_mfa && session.aal !== 'aal2')
    throw new PermissionError(
      'mfa_required',
      'This merchant requires a second factor: set up an authenticator app and sign in with it.',
    );
  if (!membership.joined_at)
    // The first request after an invitation: the member has joined.
    await deps.db
      .fork()
      .getConnection()
      .execute('update merchant_members set joined_at = now() where id = ? and joined_at is null', [
        membership.member_id,
      ]);
  const context = contextOf(req);
  context.merchant = { id: merchantId, livemode: mode === 'live' };
  context.actor = {
    type: 'member',
    id: session.identityId,
    email: session.email,
    memberId: membership.member_id,
    role: membership.role,
    refundLimit: membership.refund_limit === null ? null : Number(membership.refund_limit),
  };
}
