import type { EntityManager } from '@mikro-orm/postgresql';
import { newId } from '../domain/ids';
import type { ApiDeps } from './deps';
import { ConflictError, InvalidRequestError, NotFoundError } from './errors';
import type { Merchant } from './payments.service';

/** A tax rate as stored (`txr_…`). */
export interface TaxRate {
  id: string;
  displayName: string;
  percentage: number;
  inclusive: boolean;
  /** Archived (false): new sessions cannot use it; sessions made with it keep showing it. */
  active: boolean;
  createdAt: Date;
}

/** A coupon as stored, known by its code. */
export interface Coupon {
  code: string;
  percentOff: number | null;
  amountOff: number | null;
  currency: string | null;
  maxRedemptions: number | null;
  timesRedeemed: number;
  expiresAt: Date | null;
  /** Archived (false): new sessions cannot use it; sessions made with it keep it. */
  active: boolean;
  createdAt: Date;
}

// Raw rows: the driver hands timestamps back as strings here, hence the `new Date` below.
interface TaxRateRow {
  id: string;
  display_name: string;
  percentage: string;
  inclusive: boolean;
  active: boolean;
  created_at: Date;
}

interface CouponRow {
  code: string;
  percent_off: string | null;
  amount_off: string | null;
  currency: string | null;
  max_redemptions: number | null;
  times_redeemed: number;
  expires_at: Date | null;
  active: boolean;
  created_at: Date;
}

const toTaxRate = (row: TaxRateRow): TaxRate => ({
  id: row.id,
  displayName: row.display_name,
  percentage: Number(row.percentage),
  inclusive: row.inclusive,
  active: row.active,
  createdAt: new Date(row.created_at),
});
const toCoupon = (row: CouponRow): Coupon => ({
  code: row.code,
  percentOff: row.percent_off === null ? null : Number(row.percent_off),
  amountOff: row.amount_off === null ? null : Number(row.amount_off),
  currency: row.currency,
  maxRedemptions: row.max_redemptions,
  timesRedeemed: row.times_redeemed,
  expiresAt: row.expires_at === null ? null : new Date(row.expires_at),
  active: row.active,
  createdAt: new Date(row.created_at),
});

/** Postgres' unique_violation. */
const UNIQUE_VIOLATION = '23505';

/** Tax rates and coupons: what a checkout session's totals are computed with. */
export function createPricingService(deps: ApiDeps) {
  const { db } = deps;

  return {
    async createTaxRate(
      merchant: Merchant,
      params: { display_name: string; percentage: number; inclusive: boolean },
    ): Promise<TaxRate> {
      const [row] = await db
        .fork()
        .execute<TaxRateRow[]>(
          `insert into tax_rates (id, merchant_id, livemode, display_name, percentage, inclusive) values (?, ?, ?, ?, ?, ?) returning *`,
          [newId('taxRate'), merchant.id, merchant.livemode, params.display_name, params.percentage, params.inclusive],
        );
      return toTaxRate(row);
    },

    async listTaxRates(merchant: Merchant, limit: number): Promise<TaxRate[]> {
      const rows = await db
        .fork()
        .execute<TaxRateRow[]>(
          `select * from tax_rates where merchant_id = ? and livemode = ? order by created_at desc, id desc limit ?`,
          [merchant.id, merchant.livemode, limit],
        );
      return rows.map(toTaxRate);
    },

    /** The merchant's tax rates by id; a missing one is reported as the `param` that named it. */
    async taxRatesByIds(merchant: Merchant, ids: { id: string; param: string }[]): Promise<Map<string, TaxRate>> {
      const wanted = [...new Set(ids.map((entry) => entry.id))];
      const rows = wanted.length
        ? await db
            .fork()
            .execute<TaxRateRow[]>(`select * from tax_rates where merchant_id = ? and livemode = ? and id in (?)`, [
              merchant.id,
              merchant.livemode,
              wanted,
            ])
        : [];
      const found = new Map(rows.map((row) => [row.id, toTaxRate(row)]));
      const missing = ids.find((entry) => !found.has(entry.id));
      if (missing)
        throw new InvalidRequestError('resource_missing', `No such tax rate: '${missing.id}'`, missing.param);
      const archived = ids.find((entry) => !found.get(entry.id)!.active);
      if (archived)
        throw new InvalidRequestError(
          'tax_rate_inactive',
          `The tax rate '${archived.id}' is archived; new sessions cannot use it.`,
          archived.param,
        );
      return found;
    },

    async createCoupon(
      merchant: Merchant,
      params: {
        code: string;
        percent_off?: number;
        amount_off?: number;
        currency?: string;
        max_redemptions?: number;
        expires_at?: string;
      },
    ): Promise<Coupon> {
      try {
        const [row] = await db
          .fork()
          .execute<CouponRow[]>(
            `insert into coupons (merchant_id, livemode, code, percent_off, amount_off, currency, max_redemptions, expires_at) values (?, ?, ?, ?, ?, ?, ?, ?) returning *`,
            [
              merchant.id,
              merchant.livemode,
              params.code,
              params.percent_off ?? null,
              params.amount_off ?? null,
              params.amount_off ? (params.currency ?? 'CNY') : null,
              params.max_redemptions ?? null,
              params.expires_at ?? null,
            ],
          );
        return toCoupon(row);
      } catch (error) {
        if ((error as { code?: string }).code === UNIQUE_VIOLATION)
          throw new ConflictError('coupon_code_taken', `A coupon with code '${params.code}' already exists.`, 'code');
        throw error;
      }
    },

    async listCoupons(merchant: Merchant, limit: number): Promise<Coupon[]> {
      const rows = await db
        .fork()
        .execute<CouponRow[]>(
          `select * from coupons where merchant_id = ? and livemode = ? order by created_at desc, code limit ?`,
          [merchant.id, merchant.livemode, limit],
        );
      return rows.map(toCoupon);
    },

    /** Archives a tax rate (`active: false`) or brings it back; sessions made with it keep showing it. */
    async setTaxRateActive(merchant: Merchant, id: string, active: boolean | undefined): Promise<TaxRate> {
      const [row] = await db
        .fork()
        .execute<TaxRateRow[]>(
          `update tax_rates set active = coalesce(?, active) where id = ? and merchant_id = ? and livemode = ? returning *`,
          [active ?? null, id, merchant.id, merchant.livemode],
        );
      if (!row) throw new NotFoundError('tax rate', id);
      return toTaxRate(row);
    },

    /** Archives a coupon (`active: false`) or brings it back; sessions made with it keep it. */
    async setCouponActive(merchant: Merchant, code: string, active: boolean | undefined): Promise<Coupon> {
      const [row] = await db
        .fork()
        .execute<CouponRow[]>(
          `update coupons set active = coalesce(?, active) where code = ? and merchant_id = ? and livemode = ? returning *`,
          [active ?? null, code, merchant.id, merchant.livemode],
        );
      if (!row) throw new NotFoundError('coupon', code);
      return toCoupon(row);
    },

    /** A coupon a shopper may use now: it exists, has not expired and is not used up. */
    async redeemableCoupon(merchant: Merchant, code: string, param: string): Promise<Coupon> {
      const [row] = await db
        .fork()
        .execute<CouponRow[]>(`select * from coupons where merchant_id = ? and livemode = ? and code = ?`, [
          merchant.id,
          merchant.livemode,
          code,
        ]);
      if (!row) throw new InvalidRequestError('resource_missing', `No such coupon: '${code}'`, param);
      const coupon = toCoupon(row);
      if (!coupon.active)
        throw new InvalidRequestError('coupon_inactive', `The coupon '${code}' is archived; it cannot be used.`, param);
      if (coupon.expiresAt && coupon.expiresAt.getTime() <= Date.now())
        throw new InvalidRequestError(
          'coupon_expired',
          `The coupon '${code}' expired on ${coupon.expiresAt.toISOString()}.`,
          param,
        );
      if (coupon.maxRedemptions !== null && coupon.timesRedeemed >= coupon.maxRedemptions) {
        throw new InvalidRequestError(
          'coupon_used_up',
          `The coupon '${code}' has been redeemed the ${coupon.maxRedemptions} times it allows.`,
          param,
        );
      }
      return coupon;
    },
  };
}

export type PricingService = ReturnType<typeof createPricingService>;

/** Raised when a checkout session's coupon has no redemption left for it; answered 409, naming the coupon. */
export class CouponUsedUpError extends ConflictError {
  constructor(code: string) {
    super('coupon_used_up', `The coupon '${code}' has been redeemed as many times as it allows.`);
  }
}

/**
 * Takes one of the session's coupon's redemptions for it, once (in the transaction that holds the
 * session's row): an increment that only happens while the limit allows, so sessions paid at once
 * can never exceed it. A session without a coupon, or that holds its redemption already, takes none.
 */
export async function redeemSessionCoupon(tx: EntityManager, sessionId: string): Promise<void> {
  const [session] = await tx.execute<{ coupon_code: string | null; merchant_id: string; livemode: boolean }[]>(
    `select coupon_code, merchant_id, livemode from checkout_sessions where id = ? and coupon_code is not null and not coupon_redeemed`,
    [sessionId],
  );
  if (!session?.coupon_code) return;
  const redeemed = await tx.execute(
    `update coupons set times_redeemed = times_redeemed + 1
      where merchant_id = ? and livemode = ? and code = ? and (max_redemptions is null or times_redeemed < max_redemptions)
      returning code`,
    [session.merchant_id, session.livemode, session.coupon_code],
  );
  if (redeemed.length === 0) throw new CouponUsedUpError(session.coupon_code);
  await tx.execute(`update checkout_sessions set coupon_redeemed = true where id = ?`, [sessionId]);
}

/** Gives back the redemption a session held, when it ends unpaid; once, however often it is called. */
export async function releaseSessionCoupon(tx: EntityManager, sessionId: string): Promise<void> {
  const [released] = await tx.execute<{ coupon_code: string; merchant_id: string; livemode: boolean }[]>(
    `update checkout_sessions set coupon_redeemed = false where id = ? and coupon_redeemed and status = 'expired'
     returning coupon_code, merchant_id, livemode`,
    [sessionId],
  );
  if (!released) return;
  await tx.execute(
    `update coupons set times_redeemed = greatest(times_redeemed - 1, 0) where merchant_id = ? and livemode = ? and code = ?`,
    [released.merchant_id, released.livemode, released.coupon_code],
  );
}

export function taxRateObject(rate: TaxRate, livemode: boolean) {
  return {
    id: rate.id,
    object: 'tax_rate' as const,
    display_name: rate.displayName,
    percentage: rate.percentage,
    inclusive: rate.inclusive,
    active: rate.active,
    livemode,
    created_at: rate.createdAt.toISOString(),
  };
}

export function couponObject(coupon: Coupon, livemode: boolean) {
  return {
    object: 'coupon' as const,
    code: coupon.code,
    percent_off: coupon.percentOff,
    amount_off: coupon.amountOff,
    currency: coupon.currency,
    max_redemptions: coupon.maxRedemptions,
    times_redeemed: coupon.timesRedeemed,
    expires_at: coupon.expiresAt ? coupon.expiresAt.toISOString() : null,
    active: coupon.active,
    livemode,
    created_at: coupon.createdAt.toISOString(),
  };
}
