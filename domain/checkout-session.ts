import type { Channel, NextAction, PaymentStatus } from './payment';

// The parts of API.md's checkout session object that the API writes and the hosted page (web/)
// reads: one definition for both.

export const CHECKOUT_SESSION_STATUSES = ['open', 'complete', 'expired'] as const;
export type CheckoutSessionStatus = (typeof CHECKOUT_SESSION_STATUSES)[number];

/** The languages the hosted page speaks. */
export const CHECKOUT_LOCALES = ['zh-CN', 'en-US'] as const;
export type CheckoutLocale = (typeof CHECKOUT_LOCALES)[number];

/**
 * A session's status at `now`. Its time running out writes nothing: an open session past its
 * `expires_at` is expired whether or not that has been written yet.
 */
export function checkoutSessionStatusAt(
  session: { status: CheckoutSessionStatus; expiresAt: Date },
  now: Date,
): CheckoutSessionStatus {
  return session.status === 'open' && session.expiresAt.getTime() <= now.getTime() ? 'expired' : session.status;
}

/** A session's tax rate as its lines show it. */
export interface SessionTaxRate {
  id: string;
  display_name: string;
  percentage: number;
  inclusive: boolean;
}

/** A line as the session shows it: what was asked, and the amounts the server computed. */
export interface SessionLineItem {
  name: string;
  quantity: number;
  unit_amount: number;
  amount_subtotal: number;
  amount_discount: number;
  amount_tax: number;
  amount_total: number;
  tax_rate: SessionTaxRate | null;
}

/** The session's coupon as it was when the session was made, and what it took off. */
export interface SessionDiscount {
  coupon: { code: string; percent_off: number | null; amount_off: number | null };
  amount: number;
}

/** The session's current payment, as the hosted page follows it. */
export interface SessionPayment {
  id: string;
  status: PaymentStatus;
  channel: Channel;
  next_action: NextAction | null;
  expires_at: string;
}
