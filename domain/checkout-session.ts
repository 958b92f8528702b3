import type { Channel, NextAction, PaymentStatus } from './payment';

// The parts of API.md's checkout session object that the API writes and the hosted page (web/)
// reads: one definition for both.

export const CHECKOUT_SESSION_STATUSES = ['open', 'complete', 'expired'] as const;
export type CheckoutSessionStatus = (typeof CHECKOUT_SESSION_STATUSES)[number];

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
