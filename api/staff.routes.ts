import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { StaffMember, StaffRole } from '../db/team-entities';
import { CHECKOUT_LOCALES } from '../domain/checkout-session';
import { normalizeEmail } from '../domain/customer';
import type { ApiDeps } from './deps';
import type { ConsoleSession, Kratos } from './kratos';
import { actorOf, sessionOf } from './request-context';
import { sendJson } from './respond';
import { authenticateStaff } from './staff-auth';
import { STAFF_PERMISSIONS, STAFF_ROLES, staffRoleAllows } from './staff-roles';
import type { StaffService } from './staff.service';
import { emptyBodySchema, parse, pathId, text, withoutControlCharacters } from './validation';

const role = z.enum(STAFF_ROLES as [string, ...string[]]) as z.ZodType<StaffRole>;

export const inviteStaffSchema = z.strictObject({
  email: z
    .string()
    .trim()
    .pipe(withoutControlCharacters(z.email()).max(254))
    .transform((value) => normalizeEmail(value)),
  role,
  name: text().trim().min(1).max(128).optional(),
  locale: z.enum(CHECKOUT_LOCALES).optional(),
});

export const updateStaffSchema = z.strictObject({ role });

/** Why a person is locked out: kept with the lock and in the audit log. */
export const lockSchema = z.strictObject({ reason: text().trim().min(1).max(500) });

export function staffObject(staff: StaffMember, you: string | null = null) {
  return {
    id: staff.id,
    object: 'staff_member' as const,
    email: staff.email,
    role: staff.role,
    locked: staff.lockedAt !== null,
    locked_at: staff.lockedAt ? staff.lockedAt.toISOString() : null,
    locked_reason: staff.lockedReason,
    invited_by: staff.invitedBy,
    created_at: staff.createdAt.toISOString(),
    joined_at: staff.joinedAt ? staff.joinedAt.toISOString() : null,
    you: staff.identityId === you,
  };
}

/** The admin console's signed-in person: who, their role and what it allows, and whether a second factor is still to come. */
export function staffSessionObject(session: ConsoleSession, staff: StaffMember) {
  return {
    object: 'staff_session' as const,
    identity: { id: session.identityId, email: session.email, name: session.name, locale: session.locale },
    staff: staffObject(staff, session.identityId),
    aal: session.aal,
    second_factor_required: session.aal !== 'aal2',
    permissions: STAFF_PERMISSIONS.filter((permission) => staffRoleAllows(staff.role, permission)),
  };
}

const staffId = (req: Request) => pathId(req, 'stf', 'staff member');

/** The staff page's routes under `/v1/admin`: only superadmins reach the changes (api/staff-roles.ts). */
export function staffRoutes(staff: StaffService): Router {
  const router = Router();
  const you = (req: Request) => {
    const actor = actorOf(req);
    return actor.type === 'staff' ? actor.id : null;
  };

  router.get('/staff', async (req: Request, res: Response) => {
    parse(emptyBodySchema, req.query, 'query');
    const people = await staff.list();
    await sendJson(req, res, 200, {
      object: 'list' as const,
      url: '/v1/admin/staff',
      has_more: false,
      data: people.map((person) => staffObject(person, you(req))),
    });
  });

  router.post('/staff', async (req: Request, res: Response) => {
    const params = parse(inviteStaffSchema, req.body);
    await sendJson(req, res, 201, staffObject(await staff.invite(actorOf(req), params), you(req)));
  });

  router.get('/staff/:id', async (req: Request, res: Response) => {
    await sendJson(req, res, 200, staffObject(await staff.get(staffId(req)), you(req)));
  });

  router.post('/staff/:id', async (req: Request, res: Response) => {
    const params = parse(updateStaffSchema, req.body);
    await sendJson(req, res, 200, staffObject(await staff.update(staffId(req), params), you(req)));
  });

  router.post('/staff/:id/lock', async (req: Request, res: Response) => {
    const { reason } = parse(lockSchema, req.body);
    await sendJson(req, res, 200, staffObject(await staff.lock(staffId(req), reason), you(req)));
  });

  router.post('/staff/:id/unlock', async (req: Request, res: Response) => {
    parse(emptyBodySchema, req.body ?? {});
    await sendJson(req, res, 200, staffObject(await staff.unlock(staffId(req)), you(req)));
  });

  router.post('/staff/:id/reset_second_factor', async (req: Request, res: Response) => {
    parse(emptyBodySchema, req.body ?? {});
    await sendJson(req, res, 200, staffObject(await staff.resetSecondFactor(staffId(req)), you(req)));
  });

  return router;
}

/**
 * `GET /v1/staff/session`: who is signed in to the admin console, their role, and whether they
 * still need a second factor. The one staff route a session without one (aal1) reaches: the
 * console sends such a person to set one up, or to use it.
 */
export function staffSessionRoutes(deps: ApiDeps, kratos: Kratos, staff: StaffService): Router {
  const router = Router();
  router.get(
    '/session',
    async (req: Request, _res: Response, next: NextFunction) => {
      await authenticateStaff(req, deps, kratos, { secondFactor: false });
      next();
    },
    async (req: Request, res: Response) => {
      parse(emptyBodySchema, req.query, 'query');
      const session = sessionOf(req);
      const actor = actorOf(req);
      if (actor.type !== 'staff') throw new Error('the staff session route authenticates staff only');
      await sendJson(req, res, 200, staffSessionObject(session, await staff.get(actor.staffId)));
    },
  );
  return router;
}
