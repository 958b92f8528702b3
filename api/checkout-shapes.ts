import type { CheckoutLocale, SessionPayment } from '../domain/checkout-session';
import type { Channel } from '../domain/payment';
import type { CheckoutSessionRow } from '../db/entities';
import type { DetailsParams } from './checkout-details.service';

// What the hosted checkout's service (api/checkout.service.ts) takes and answers.

export interface CreateSessionParams {
  currency: 'CNY';
  line_items: { name: string; quantity: number; unit_amount: number; tax_rate?: string }[];
  discounts?: { coupon: string }[];
  allowed_channels?: Channel[];
  customer?: string;
  /** Absent: the merchant's default_locale, else zh-CN. */
  locale?: CheckoutLocale;
  success_url: string;
  cancel_url: string;
  expires_in: number;
  save_customer: 'optional' | 'never';
}

/** A session as it reads now: its status is `checkoutSessionStatusAt` now, not only what was written. */
export type CheckoutSession = CheckoutSessionRow;

/**
 * What the shopper's page shows: the session, its merchant's name, its current payment, and which
 * of the "receipt / save my details" choices it offers (checkout-details.service.ts offerFor).
 */
export interface PublicSession {
  session: CheckoutSession;
  merchantName: string;
  /** The platform suspended the merchant: the page offers no payment (api/merchant-suspension.ts). */
  suspended: boolean;
  /** The merchant's branding (POST /v1/account): the logo as a data URL, the colour as #rrggbb. */
  branding: { logo: string | null; brandColor: string | null };
  payment: SessionPayment | null;
  detailsOffer: 'none' | 'receipt' | 'receipt_and_save';
}

/** A pay as the page sends it. `shopper_ip` is the shopper's address as the page's server saw it. */
export interface PayParams {
  channel: Channel;
  client_ip?: string;
  wechat_oauth_code?: string;
  details?: DetailsParams;
  shopper_ip?: string;
}
