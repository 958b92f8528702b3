import type { EntityManager } from '@mikro-orm/postgresql';
import {
  MerchantMemberSchema,
  MerchantSchema,
  type MemberRole,
  type MerchantMember,
  type Merchant,
} from '../db/entities';
import { newId } from '../domain/ids';
import { requestMessage } from '../messaging/outbox';
import { outboxDeps, type ApiDeps } from './deps';
import { ConflictError, NotFoundError, PermissionError } from './errors';
import { INVITATION_DAYS, invitationLink } from './invitations';
import type { ConsoleSession, Kratos } from './kratos';
import type { MerchantsService } from './merchants.service';
import type { Actor } from './request-context';

export interface Membership {
  member: MerchantMember;
  merchant: Merchant;
}

type MemberActor = Extract<Actor, { type: 'member' }>;

/** Who invites: a member (an owner or admin), or the platform (its staff or admin token), who may make owners. */
export type Inviter = MemberActor | Extract<Actor, { type: 'staff' | 'admin_token' }>;

/** Only an owner (or the platform) makes, unmakes or removes an owner. */
function assertMayManage(actor: Inviter, target: MerchantMember | null, role: MemberRole | undefined): void {
  if (actor.type !== 'member' || actor.role === 'owner') return;
  if (role === 'owner' || target?.role === 'owner')
    throw new PermissionError('owner_required', 'Only an owner can grant, change or remove the owner role.', 'role');
}

/** support members carry a refund limit; nobody else does. */
function refundLimitFor(role: MemberRole, limit: number | null | undefined): number | null {
  return role === 'support' ? (limit ?? 0) : null;
}

/**
 * A merchant's team: the people (Kratos identities) who use its console and their roles. Kratos
 * knows who a person is; merchant_members says what they may do where.
 */
export function createMembersService(deps: ApiDeps, kratos: Kratos, merchants: MerchantsService) {
  const { db } = deps;

  /** Locks the merchant's row: changes to its owners are made one at a time. */
  async function lockedOwners(tx: EntityManager, merchantId: string): Promise<number> {
    await tx.getConnection().execute('select id from merchants where id = ? for update', [merchantId]);
    return tx.count(MerchantMemberSchema, { merchantId, role: 'owner' });
  }

  async function memberOf(tx: EntityManager, merchantId: string, memberId: string): Promise<MerchantMember> {
    const member = await tx.findOne(MerchantMemberSchema, { id: memberId, merchantId });
    if (!member) throw new NotFoundError('member', memberId);
    return member;
  }

  return {
    /** The merchants a person belongs to, oldest membership first. */
    async memberships(identityId: string): Promise<Membership[]> {
      const em = db.fork();
      const members = await em.find(MerchantMemberSchema, { identityId }, { orderBy: { createdAt: 'asc' } });
      const found = await em.find(MerchantSchema, { id: { $in: members.map((member) => member.merchantId) } });
      const byId = new Map(found.map((merchant) => [merchant.id, merchant]));
      return members.flatMap((member) => {
        const merchant = byId.get(member.merchantId);
        return merchant ? [{ member, merchant }] : [];
      });
    },

    /**
     * A merchant signed up in the console: test mode with a sandbox account per provider, live
     * mode once a platform admin approves; the person who made it is its owner.
     */
    async createMerchant(session: ConsoleSession, name: string): Promise<Membership> {
      // A double click (or a form resent after a lost answer) answers the merchant just made,
      // rather than making a second one of the same name.
      const recent = await db
        .fork()
        .getConnection()
        .execute<{ id: string }[]>(
          `select mm.id from merchant_members mm join merchants m on m.id = mm.merchant_id
          where mm.identity_id = ? and mm.role = 'owner' and m.name = ? and m.created_at > now() - interval '1 minute'
          order by m.created_at desc limit 1`,
          [session.identityId, name],
        );
      if (recent[0]) {
        const member = await db.fork().findOneOrFail(MerchantMemberSchema, { id: recent[0].id });
        const merchant = await db.fork().findOneOrFail(MerchantSchema, { id: member.merchantId });
        return { member, merchant };
      }
      const { merchant } = await merchants.create({
        name,
        email: session.email,
        liveMode: 'unavailable',
        testKey: false,
      });
      const member = db.fork().create(MerchantMemberSchema, {
        id: newId('merchantMember'),
        merchantId: merchant.id,
        identityId: session.identityId,
        email: session.email,
        role: 'owner',
        refundLimit: null,
        invitedBy: null,
        createdAt: new Date(),
        joinedAt: new Date(),
      });
      await db.fork().persistAndFlush(member);
      return { member, merchant };
    },

    async list(merchantId: string): Promise<MerchantMember[]> {
      return db.fork().find(MerchantMemberSchema, { merchantId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    },

    async get(merchantId: string, memberId: string): Promise<MerchantMember | null> {
      return db.fork().findOne(MerchantMemberSchema, { id: memberId, merchantId });
    },

    /**
     * Invites a person by e-mail: a Kratos identity when they have none (no password: the
     * invitation's code signs them in once, and they set one), their membership, and the
     * invitation e-mail with a link that carries the code.
     */
    async invite(
      merchantId: string,
      actor: Inviter,
      params: {
        email: string;
        role: MemberRole;
        name?: string;
        locale?: 'zh-CN' | 'en-US';
        refund_limit?: number;
      },
    ): Promise<MerchantMember> {
      assertMayManage(actor, null, params.role);
      const merchant = await db.fork().findOne(MerchantSchema, { id: merchantId });
      if (!merchant) throw new NotFoundError('merchant', merchantId);
      const existing = await kratos.findByEmail(params.email);
      if (existing && (await db.fork().findOne(MerchantMemberSchema, { merchantId, identityId: existing.id })))
        throw new ConflictError('member_exists', `${params.email} is already in this team.`, 'email');
      const locale = params.locale ?? 'zh-CN';
      const identity =
        existing ??
        (await kratos.createMerchantUser({
          email: params.email,
          name: params.name ?? params.email.split('@')[0],
          locale,
        }));
      const member = db.fork().create(MerchantMemberSchema, {
        id: newId('merchantMember'),
        merchantId,
        identityId: identity.id,
        email: params.email,
        role: params.role,
        refundLimit: refundLimitFor(params.role, params.refund_limit),
        invitedBy: actor.email,
        createdAt: new Date(),
        joinedAt: null,
      });
      try {
        await db.fork().persistAndFlush(member);
      } catch (error) {
        if ((error as { code?: string }).code === '23505')
          throw new ConflictError('member_exists', `${params.email} is already in this team.`, 'email');
        throw error;
      }
      // A person who has signed in before is told where to go; a new one gets a code to come in with.
      const link = existing
        ? `${deps.config.webUrl}/dashboard`
        : await invitationLink(kratos, deps.config.webUrl, identity.id);
      await sendInvitation({ member, merchant, inviter: actor.email, locale, link, objectId: member.id });
      return member;
    },

    /**
     * The invitation again, for a member who has not joined (the e-mail was lost, the code expired):
     * a fresh code, unless the person has joined another merchant (then where to go). `requestId`
     * makes it a new message rather than the first one answered again.
     */
    async resendInvitation(
      merchantId: string,
      memberId: string,
      inviter: string | null,
      requestId: string,
    ): Promise<MerchantMember> {
      const merchant = await db.fork().findOne(MerchantSchema, { id: merchantId });
      if (!merchant) throw new NotFoundError('merchant', merchantId);
      const member = await db.fork().findOne(MerchantMemberSchema, { id: memberId, merchantId });
      if (!member) throw new NotFoundError('member', memberId, 'member_id');
      if (member.joinedAt)
        throw new ConflictError('member_joined', `${member.email} has joined already: there is no invitation to send.`);
      const identity = await kratos.identity(member.identityId);
      if (!identity)
        throw new ConflictError(
          'identity_missing',
          `${member.email} no longer has an account: remove and invite again.`,
        );
      const joinedElsewhere = await db.fork().count(MerchantMemberSchema, {
        identityId: member.identityId,
        joinedAt: { $ne: null },
      });
      const link = joinedElsewhere
        ? `${deps.config.webUrl}/dashboard`
        : await invitationLink(kratos, deps.config.webUrl, member.identityId);
      const objectId = `${member.id}/${requestId}`;
      await sendInvitation({ member, merchant, inviter, locale: identity.locale, link, objectId });
      return member;
    },

    async update(
      merchantId: string,
      memberId: string,
      actor: MemberActor,
      params: { role?: MemberRole; refund_limit?: number },
    ): Promise<MerchantMember> {
      return db.fork().transactional(async (tx) => {
        const owners = await lockedOwners(tx, merchantId);
        const member = await memberOf(tx, merchantId, memberId);
        assertMayManage(actor, member, params.role);
        const role = params.role ?? member.role;
        if (member.role === 'owner' && role !== 'owner' && owners <= 1)
          throw new ConflictError(
            'last_owner',
            'A merchant keeps at least one owner: make someone else owner first.',
            'role',
          );
        member.role = role;
        member.refundLimit = refundLimitFor(role, params.refund_limit ?? member.refundLimit);
        await tx.flush();
        return member;
      });
    },

    async remove(merchantId: string, memberId: string, actor: MemberActor): Promise<MerchantMember> {
      return db.fork().transactional(async (tx) => {
        const owners = await lockedOwners(tx, merchantId);
        const member = await memberOf(tx, merchantId, memberId);
        assertMayManage(actor, member, undefined);
        if (member.role === 'owner' && owners <= 1)
          throw new ConflictError('last_owner', 'The last owner cannot be removed.', 'id');
        tx.remove(member);
        await tx.flush();
        return member;
      });
    },
  };

  /** The invitation e-mail: the platform invites, in its own name and through its own account (as Kratos' codes go). */
  async function sendInvitation(invitation: {
    member: MerchantMember;
    merchant: Merchant;
    inviter: string | null;
    locale: 'zh-CN' | 'en-US';
    link: string;
    objectId: string;
  }): Promise<void> {
    const { member, merchant, inviter, link } = invitation;
    await requestMessage(outboxDeps(deps), {
      template: 'team_invitation',
      channel: 'email',
      to: member.email,
      locale: invitation.locale,
      merchantId: null,
      livemode: deps.config.production,
      objectId: invitation.objectId,
      variables: { inviter: inviter ?? 'Tongbao', team: merchant.name, days: String(INVITATION_DAYS), link },
    });
  }
}

export type MembersService = ReturnType<typeof createMembersService>;
