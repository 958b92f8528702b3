import type { EntityManager } from '@mikro-orm/postgresql';
import { MerchantSchema, type MerchantStatus } from '../db/entities';
import { PermissionError } from './errors';
import { routePattern } from './route-pattern';

/**
 * What a suspended merchant may still do (paths relative to `/v1`): read everything (its server
 * learns how the payments in flight end; its people see what happened), and wind down — refund its
 * customers, cancel a payment, expire a checkout session. Everything else (a payment, a checkout
 * session, a key, a webhook endpoint, the team, the account) is refused until it is reinstated.
 * What is already stored goes on: payments in flight finish, their notifications are accepted,
 * refunds run, webhooks are delivered (none of those pass here).
 */
const WINDING_DOWN = [
  ['POST', '/refunds'],
  ['POST', '/payments/:id/cancel'],
  ['POST', '/checkout/sessions/:id/expire'],
].map(([method, path]) => ({ method, regexp: routePattern(path) }));

/** Raised when a suspended merchant's key or console member asks for more than reads and winding down. */
export class MerchantSuspendedError extends PermissionError {
  constructor(
    message = 'This merchant is suspended by the platform: it can read, refund and cancel, nothing else. Contact Tongbao support.',
  ) {
    super('merchant_suspended', message);
  }
}

/** The hosted checkout's answer for a suspended merchant's page: said to a shopper, not to the merchant. */
export const SHOPPER_SUSPENDED_MESSAGE = 'This merchant cannot take payments at the moment.';

/** Whether a suspended merchant may make this request (a method and a path under `/v1`). */
export function suspendedMerchantMay(method: string, path: string): boolean {
  if (method === 'GET' || method === 'HEAD') return true;
  return WINDING_DOWN.some((entry) => entry.method === method && entry.regexp.test(path));
}

/** Refuses a request of a suspended merchant that is not a read or winding down. */
export function assertMerchantMay(status: MerchantStatus, method: string, path: string): void {
  if (status === 'suspended' && !suspendedMerchantMay(method, path)) throw new MerchantSuspendedError();
}

/**
 * The hosted checkout's check before a payment (or a code for saved details): a suspended merchant's
 * page takes no new one; one made before the suspension goes on, and its page still follows it.
 * A live session needs live mode open.
 */
export async function assertTakingPayments(
  em: EntityManager,
  session: { merchantId: string; livemode: boolean },
): Promise<void> {
  const merchant = await em.findOneOrFail(
    MerchantSchema,
    { id: session.merchantId },
    { fields: ['status', 'liveMode'] },
  );
  if (merchant.status === 'suspended') throw new MerchantSuspendedError(SHOPPER_SUSPENDED_MESSAGE);
  if (session.livemode && merchant.liveMode !== 'approved')
    throw new PermissionError('live_mode_unavailable', SHOPPER_SUSPENDED_MESSAGE);
}
