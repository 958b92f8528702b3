import { LockMode } from '@mikro-orm/core';
import type { FilterQuery } from '@mikro-orm/postgresql';
import {
  ApiKeySchema,
  MerchantMemberSchema,
  MerchantSchema,
  type ApiKey,
  type LiveModeStatus,
  type Merchant,
  type MerchantMember,
  type MerchantStatus,
} from '../db/entities';
import type { ApiKeyCache } from './auth';
import type { ApiDeps } from './deps';
import { ConflictError, NotFoundError } from './errors';
import type { Kratos } from './kratos';
import { paginate, type Page } from './pagination';

export interface MerchantListParams {
  limit: number;
  starting_after?: string;
  /** A merchant id (whole), or part of its name or e-mail address, in any case. */
  q?: string;
  live_mode?: LiveModeStatus;
  status?: MerchantStatus;
}

/** A member as the platform sees them: with their Kratos identity, and whether the platform locked it. */
export type PlatformMember = MerchantMember & { locked: boolean };

/** A merchant's payments of the last 30 days, per mode and currency. */
export interface RecentVolume {
  livemode: boolean;
  currency: string;
  payments: number;
  succeeded: number;
  /** Minor units of the succeeded payments, and how much of them was refunded. */
  volume: number;
  refunded: number;
}

export interface MerchantDetails {
  merchant: Merchant;
  members: PlatformMember[];
  apiKeys: ApiKey[];
  last30Days: RecentVolume[];
}

/** A merchant user (a Kratos `merchant_user` identity) as the platform sees them. */
export interface MerchantUser {
  identityId: string;
  email: string;
  name: string;
  memberships: MerchantMember[];
  lock: { reason: string; lockedBy: string; lockedAt: Date } | null;
}

/** The newest keys a merchant's page lists; rolled keys pile up, and the page needs the current ones. */
const KEYS_SHOWN = 100;

/** `%` and `_` typed in a search are themselves, not wildcards. */
const likePattern = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The platform's side of merchants (issue 14): finding them, their page, live mode, suspension, and
 * locking the people who use their consoles. A change of a merchant's standing forgets its keys in
 * this process's key cache at once (other API processes see it within the cache's TTL, 5 s).
 */
export function createAdminMerchantsService(deps: ApiDeps, apiKeys: ApiKeyCache, kratos: Kratos) {
  const { db } = deps;

  /** Changes a merchant under a row lock, after `check` allowed it (or threw why not). */
  async function change(id: string, check: (merchant: Merchant) => void, changes: Partial<Merchant>) {
    const merchant = await db.fork().transactional(async (tx) => {
      const found = await tx.findOne(MerchantSchema, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!found) throw new NotFoundError('merchant', id);
      check(found);
      tx.assign(found, changes);
      return found;
    });
    apiKeys.forgetMerchant(id);
    return merchant;
  }

  async function lockOf(identityId: string) {
    const [row] = await db
      .fork()
      .getConnection()
      .execute<{ reason: string; locked_by: string; locked_at: Date }[]>(
        'select reason, locked_by, locked_at from locked_identities where identity_id = ?',
        [identityId],
      );
    return row ? { reason: row.reason, lockedBy: row.locked_by, lockedAt: new Date(row.locked_at) } : null;
  }

  /** The identity, which must be a merchant user Kratos knows: 404 naming `identity_id` otherwise. */
  async function merchantUser(identityId: string): Promise<MerchantUser> {
    const identity = await kratos.identity(identityId);
    if (!identity || identity.schemaId !== 'merchant_user')
      throw new NotFoundError('merchant user', identityId, 'identity_id');
    const memberships = await db
      .fork()
      .find(MerchantMemberSchema, { identityId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    return { identityId, email: identity.email, name: identity.name, memberships, lock: await lockOf(identityId) };
  }

  return {
    /** Newest first; `q` finds a merchant by id, or by part of its name or e-mail address. */
    async list(params: MerchantListParams): Promise<Page<Merchant>> {
      const where: FilterQuery<Merchant>[] = [];
      if (params.q)
        where.push({
          $or: [
            { id: params.q },
            { name: { $ilike: likePattern(params.q) } },
            { email: { $ilike: likePattern(params.q) } },
          ],
        });
      if (params.live_mode) where.push({ liveMode: params.live_mode });
      if (params.status) where.push({ status: params.status });
      const query = db
        .fork()
        .createQueryBuilder(MerchantSchema, 'm')
        .where(where.length ? { $and: where } : {});
      return paginate(query, params, async (id) => {
        const cursor = await db.fork().findOne(MerchantSchema, { id });
        if (!cursor) throw new NotFoundError('merchant', id, 'starting_after');
        return cursor;
      });
    },

    async details(id: string): Promise<MerchantDetails> {
      const em = db.fork();
      const merchant = await em.findOne(MerchantSchema, { id });
      if (!merchant) throw new NotFoundError('merchant', id);
      const [members, keys, locked, last30Days] = await Promise.all([
        db.fork().find(MerchantMemberSchema, { merchantId: id }, { orderBy: { createdAt: 'asc', id: 'asc' } }),
        db
          .fork()
          .find(ApiKeySchema, { merchantId: id }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: KEYS_SHOWN }),
        db
          .fork()
          .getConnection()
          .execute<{ identity_id: string }[]>(
            `select l.identity_id from locked_identities l join merchant_members mm on mm.identity_id = l.identity_id
              where mm.merchant_id = ?`,
            [id],
          ),
        recentVolume(id),
      ]);
      const lockedIds = new Set(locked.map((row) => row.identity_id));
      return {
        merchant,
        members: members.map((member) => ({ ...member, locked: lockedIds.has(member.identityId) })),
        apiKeys: keys,
        last30Days,
      };
    },

    /** Secret keys and console members refused at once (api/merchant-suspension.ts); the checkout takes no new payment. */
    async suspend(id: string, reason: string): Promise<Merchant> {
      return change(
        id,
        (merchant) => {
          if (merchant.status === 'suspended')
            throw new ConflictError('merchant_suspended_already', `${id} is suspended already.`);
        },
        { status: 'suspended', suspendedReason: reason, suspendedAt: new Date() },
      );
    },

    async reinstate(id: string): Promise<Merchant> {
      return change(
        id,
        (merchant) => {
          if (merchant.status !== 'suspended')
            throw new ConflictError('merchant_not_suspended', `${id} is not suspended.`);
        },
        { status: 'active', suspendedReason: null, suspendedAt: null },
      );
    },

    /** Live mode opens whether or not the merchant asked (the platform may vouch for a merchant it knows). */
    async approveLiveMode(id: string, reason: string | null): Promise<Merchant> {
      return change(
        id,
        (merchant) => {
          if (merchant.liveMode === 'approved')
            throw new ConflictError('live_mode_approved_already', `Live mode is open to ${id} already.`);
        },
        { liveMode: 'approved', liveModeReason: reason },
      );
    },

    /** Refuses a request, or closes live mode again: live keys and live console sessions are refused from now on. */
    async revokeLiveMode(id: string, reason: string | null): Promise<Merchant> {
      return change(
        id,
        (merchant) => {
          if (merchant.liveMode === 'unavailable')
            throw new ConflictError(
              'live_mode_unavailable_already',
              `Live mode is neither open to ${id} nor asked for.`,
            );
        },
        { liveMode: 'unavailable', liveModeReason: reason },
      );
    },

    merchantUser,

    /**
     * Locks a merchant user out of every merchant: their console requests are refused from now on
     * (api/session-auth.ts reads the lock on every request), and their Kratos sessions are ended.
     */
    async lockUser(identityId: string, reason: string, lockedBy: string): Promise<MerchantUser> {
      await merchantUser(identityId);
      const inserted = await db
        .fork()
        .getConnection()
        .execute<unknown[]>(
          `insert into locked_identities (identity_id, reason, locked_by) values (?, ?, ?)
           on conflict (identity_id) do nothing returning identity_id`,
          [identityId, reason, lockedBy],
        );
      if (!inserted.length) throw new ConflictError('identity_locked_already', `${identityId} is locked already.`);
      await kratos.revokeSessions(identityId);
      return merchantUser(identityId);
    },

    /** Lets the person sign in again (their old sessions stay ended). */
    async unlockUser(identityId: string): Promise<MerchantUser> {
      await merchantUser(identityId);
      const deleted = await db
        .fork()
        .getConnection()
        .execute<unknown[]>('delete from locked_identities where identity_id = ? returning identity_id', [identityId]);
      if (!deleted.length) throw new ConflictError('identity_not_locked', `${identityId} is not locked.`);
      return merchantUser(identityId);
    },
  };

  /** One pass over the merchant's last 30 days of payments (payments_merchant_created's range). */
  async function recentVolume(merchantId: string): Promise<RecentVolume[]> {
    const rows = await db
      .fork()
      .getConnection()
      .execute<
        { livemode: boolean; currency: string; payments: string; succeeded: string; volume: string; refunded: string }[]
      >(
        `select livemode, currency, count(*) as payments,
                count(*) filter (where status = 'succeeded') as succeeded,
                coalesce(sum(amount) filter (where status = 'succeeded'), 0) as volume,
                coalesce(sum(amount_refunded), 0) as refunded
           from payments where merchant_id = ? and livemode in (false, true) and created_at > now() - interval '30 days'
          group by livemode, currency order by livemode, currency`,
        [merchantId],
      );
    return rows.map((row) => ({
      livemode: row.livemode,
      currency: row.currency,
      payments: Number(row.payments),
      succeeded: Number(row.succeeded),
      volume: Number(row.volume),
      refunded: Number(row.refunded),
    }));
  }
}

export type AdminMerchantsService = ReturnType<typeof createAdminMerchantsService>;
