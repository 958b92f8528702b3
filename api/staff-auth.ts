import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { StaffRole } from '../db/team-entities';
import { bearerToken } from './auth';
import type { ApiDeps } from './deps';
import { AuthenticationError, PermissionError } from './errors';
import type { Kratos } from './kratos';
import { contextOf } from './request-context';
import { authenticateSession, hasSession } from './session-auth';

type StaffRow = { id: string; role: StaffRole; locked_at: Date | null; joined_at: Date | null };

/**
 * The signed-in staff member of an admin-console request: a Kratos `staff` identity with a row in
 * staff_members, not locked. `secondFactor`: whether the session must have passed one (aal2), as
 * every admin route requires; only the session's own route answers before it, so that the console
 * can send the person to set one up.
 */
export async function authenticateStaff(
  req: Request,
  deps: ApiDeps,
  kratos: Kratos,
  options: { secondFactor: boolean },
): Promise<void> {
  const session = await authenticateSession(req, kratos);
  if (session.schemaId !== 'staff')
    throw new PermissionError('admin_forbidden', 'This sign-in is for a merchant console, not the admin console.');
  const connection = deps.db.fork().getConnection();
  const [staff] = await connection.execute<StaffRow[]>(
    'select id, role, locked_at, joined_at from staff_members where identity_id = ?',
    [session.identityId],
  );
  if (!staff) throw new PermissionError('not_staff', 'You are not on the platform staff: a superadmin adds you.');
  if (staff.locked_at)
    throw new PermissionError('staff_locked', 'Your admin account is locked: ask a superadmin to unlock it.');
  if (options.secondFactor && session.aal !== 'aal2')
    throw new PermissionError(
      'mfa_required',
      'The admin console needs a second factor: set up an authenticator app or a security key and sign in with it.',
    );
  if (!staff.joined_at)
    // The first request after an invitation: the staff member has joined.
    await connection.execute('update staff_members set joined_at = now() where id = ? and joined_at is null', [
      staff.id,
    ]);
  contextOf(req).actor = {
    type: 'staff',
    id: session.identityId,
    email: session.email,
    staffId: staff.id,
    role: staff.role,
  };
}

/** The platform's automation: TONGBAO_ADMIN_TOKEN as a bearer token, allowed what a superadmin is. */
export function authenticateAdminToken(req: Request, deps: ApiDeps): void {
  const token = bearerToken(req);
  if (!token) throw new AuthenticationError('admin_token_missing', 'No admin token provided.');
  const expected = Buffer.from(deps.config.adminToken);
  const given = Buffer.from(token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new AuthenticationError('admin_token_invalid', 'Invalid admin token provided.');
  contextOf(req).actor = { type: 'admin_token', id: 'admin', email: null };
}

/** The admin API: a staff member's session with a second factor (the admin console), or the admin token. */
export function staffAuth(deps: ApiDeps, kratos: Kratos) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    if (hasSession(req) && !req.get('authorization'))
      await authenticateStaff(req, deps, kratos, { secondFactor: true });
    else authenticateAdminToken(req, deps);
    next();
  };
}

/** The admin token only: Prometheus' scrape of `/metrics`. */
export function adminTokenAuth(deps: ApiDeps) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    authenticateAdminToken(req, deps);
    next();
  };
}
