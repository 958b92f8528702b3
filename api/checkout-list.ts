import { CheckoutSessionSchema } from '../db/entities';
import { checkoutSessionStatusAt, type CheckoutSessionStatus } from '../domain/checkout-session';
import type { CheckoutSession } from './checkout-shapes';
import type { ApiDeps } from './deps';
import { paginate, unknownCursor, type Page } from './pagination';
import type { Merchant } from './payments.service';

/**
 * Where-clauses of a session status as it reads now: an open session whose time ran out is
 * expired though the row may still say open (domain/checkout-session.ts checkoutSessionStatusAt).
 */
function statusWhere(status: CheckoutSessionStatus, now: Date) {
  switch (status) {
    case 'open':
      return { status: 'open' as const, expiresAt: { $gt: now } };
    case 'complete':
      return { status: 'complete' as const };
    case 'expired':
      return { $or: [{ status: 'expired' as const }, { status: 'open' as const, expiresAt: { $lte: now } }] };
  }
}

/** `GET /v1/checkout/sessions`: the merchant's sessions in its mode, newest first, optionally of one status. */
export const createCheckoutSessionList =
  (deps: ApiDeps) =>
  async (
    merchant: Merchant,
    params: { limit: number; starting_after?: string; status?: CheckoutSessionStatus },
  ): Promise<Page<CheckoutSession>> => {
    const now = new Date();
    const qb = deps.db
      .fork()
      .createQueryBuilder(CheckoutSessionSchema, 's')
      .where({
        merchantId: merchant.id,
        livemode: merchant.livemode,
        ...(params.status ? statusWhere(params.status, now) : {}),
      });
    const page = await paginate(qb, params, async (id) => {
      const cursor = await deps.db
        .fork()
        .findOne(CheckoutSessionSchema, { id, merchantId: merchant.id, livemode: merchant.livemode });
      if (!cursor) throw unknownCursor('checkout session', id);
      return cursor;
    });
    return { ...page, data: page.data.map((row) => ({ ...row, status: checkoutSessionStatusAt(row, now) })) };
  };

export type ListCheckoutSessions = ReturnType<typeof createCheckoutSessionList>;
