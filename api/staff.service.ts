import type { EntityManager } from '@mikro-orm/postgresql';
import { StaffMemberSchema, type StaffMember, type StaffRole } from '../db/team-entities';
import { newId } from '../domain/ids';
import { requestMessage } from '../messaging/outbox';
import { outboxDeps, type ApiDeps } from './deps';
import { ConflictError, InvalidRequestError, NotFoundError } from './errors';
import { INVITATION_DAYS, invitationLink } from './invitations';
import type { Kratos } from './kratos';
import type { Actor } from './request-context';

/**
 * The platform's staff: Kratos `staff` identities (made only here, through Kratos' admin API) and
 * their roles. A superadmin (or the admin token) invites, changes roles, locks and resets a lost
 * second factor; the platform always keeps one superadmin who is not locked.
 */
export function createStaffService(deps: ApiDeps, kratos: Kratos) {
  const { db } = deps;

  async function staffOf(tx: EntityManager, id: string): Promise<StaffMember> {
    const staff = await tx.findOne(StaffMemberSchema, { id });
    if (!staff) throw new NotFoundError('staff member', id);
    return staff;
  }

  /** Locks the superadmins' rows: changes that could leave none are made one at a time. */
  async function activeSuperadmins(tx: EntityManager): Promise<number> {
    const rows = await tx
      .getConnection()
      .execute<{ id: string }[]>(
        "select id from staff_members where role = 'superadmin' and locked_at is null for update",
      );
    return rows.length;
  }

  function assertNotLastSuperadmin(staff: StaffMember, remaining: number, param: string): void {
    if (staff.role === 'superadmin' && !staff.lockedAt && remaining <= 1)
      throw new ConflictError(
        'last_superadmin',
        'The platform keeps at least one superadmin who can sign in: make someone else superadmin first.',
        param,
      );
  }

  return {
    /** Everyone, superadmins first, then by e-mail. */
    async list(): Promise<StaffMember[]> {
      const rows = await db.fork().find(StaffMemberSchema, {}, { orderBy: { email: 'asc' } });
      const rank: Record<StaffRole, number> = { superadmin: 0, operator: 1, support: 2, viewer: 3 };
      return rows.sort((a, b) => rank[a.role] - rank[b.role]);
    },

    async get(id: string): Promise<StaffMember> {
      return staffOf(db.fork(), id);
    },

    /**
     * Invites a person by e-mail: a Kratos `staff` identity when they have none (no password: the
     * invitation's code lets them in once to set one, then a second factor), their role, and the
     * invitation e-mail. An address that signs in to a merchant console is refused: staff sign in
     * as staff only.
     */
    async invite(
      actor: Actor,
      params: { email: string; role: StaffRole; name?: string; locale?: 'zh-CN' | 'en-US' },
    ): Promise<StaffMember> {
      const existing = await kratos.findByEmail(params.email);
      if (existing && existing.schema_id !== 'staff')
        throw new InvalidRequestError(
          'email_not_staff',
          `${params.email} signs in to a merchant console; staff sign in with an address of their own.`,
          'email',
        );
      if (existing && (await db.fork().findOne(StaffMemberSchema, { identityId: existing.id })))
        throw new ConflictError('staff_exists', `${params.email} is already on the staff.`, 'email');
      const locale = params.locale ?? 'zh-CN';
      const identity =
        existing ??
        (await kratos.createStaffUser({
          email: params.email,
          name: params.name ?? params.email.split('@')[0],
          locale,
        }));
      const staff = db.fork().create(StaffMemberSchema, {
        id: newId('staffMember'),
        identityId: identity.id,
        email: params.email,
        role: params.role,
        lockedAt: null,
        lockedReason: null,
        invitedBy: actor.email ?? actor.id,
        createdAt: new Date(),
        joinedAt: null,
      });
      try {
        await db.fork().persistAndFlush(staff);
      } catch (error) {
        if ((error as { code?: string }).code === '23505')
          throw new ConflictError('staff_exists', `${params.email} is already on the staff.`, 'email');
        throw error;
      }
      // Made by Kratos' admin API with a password already (the dev stack's first admin): told where to go.
      const link = existing
        ? `${deps.config.webUrl}/admin`
        : await invitationLink(kratos, deps.config.webUrl, identity.id);
      await requestMessage(outboxDeps(deps), {
        template: 'team_invitation',
        channel: 'email',
        to: params.email,
        locale,
        merchantId: null,
        livemode: deps.config.production,
        objectId: staff.id,
        variables: {
          inviter: actor.email ?? 'Tongbao',
          team: locale === 'en-US' ? 'Tongbao platform staff' : 'Tongbao 平台运营',
          days: String(INVITATION_DAYS),
          link,
        },
      });
      return staff;
    },

    async update(id: string, params: { role: StaffRole }): Promise<StaffMember> {
      return db.fork().transactional(async (tx) => {
        const remaining = await activeSuperadmins(tx);
        const staff = await staffOf(tx, id);
        if (params.role !== 'superadmin') assertNotLastSuperadmin(staff, remaining, 'role');
        staff.role = params.role;
        await tx.flush();
        return staff;
      });
    },

    /** Locks a staff member out: their sessions end at Kratos and every request is refused until unlocked. */
    async lock(id: string, reason: string): Promise<StaffMember> {
      const staff = await db.fork().transactional(async (tx) => {
        const remaining = await activeSuperadmins(tx);
        const found = await staffOf(tx, id);
        if (found.lockedAt) return found;
        assertNotLastSuperadmin(found, remaining, 'id');
        found.lockedAt = new Date();
        found.lockedReason = reason;
        await tx.flush();
        return found;
      });
      await kratos.revokeSessions(staff.identityId);
      return staff;
    },

    async unlock(id: string): Promise<StaffMember> {
      return db.fork().transactional(async (tx) => {
        const staff = await staffOf(tx, id);
        staff.lockedAt = null;
        staff.lockedReason = null;
        await tx.flush();
        return staff;
      });
    },

    /**
     * A staff member who lost their authenticator: their second factors are removed and their
     * sessions ended; at their next sign-in (password) the console asks them to set up a new one.
     */
    async resetSecondFactor(id: string): Promise<StaffMember> {
      const staff = await staffOf(db.fork(), id);
      await kratos.removeSecondFactors(staff.identityId);
      await kratos.revokeSessions(staff.identityId);
      return staff;
    },
  };
}

export type StaffService = ReturnType<typeof createStaffService>;
