import type { CheckoutLocale } from './checkout-session';
import type { Channel } from './payment';

// A merchant's customer (API.md "Customers"): the shopper's contact details the merchant keeps,
// which receipts and the hosted checkout's "save my details" use. Erasing one blanks every
// personal field and keeps the row, so that its payments still name it.

/** Where the customer's goods go; every part optional, as Chinese and foreign addresses differ. */
export interface ShippingAddress {
  name?: string;
  phone?: string;
  line1?: string;
  line2?: string;
  /** 区/县 */
  district?: string;
  city?: string;
  /** Province, state or region. */
  state?: string;
  postal_code?: string;
  /** ISO 3166-1 alpha-2, upper case. */
  country?: string;
}

/** A customer as the database holds it. */
export interface CustomerRecord {
  id: string;
  merchantId: string;
  livemode: boolean;
  /** Lower case (see normalizeEmail). */
  email: string | null;
  /** E.164 (see normalizePhone). */
  phone: string | null;
  name: string | null;
  locale: CheckoutLocale | null;
  shippingAddress: ShippingAddress | null;
  preferredChannel: Channel | null;
  metadata: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
  /** Set once the personal fields were erased (DELETE); the row stays for its payments. */
  erasedAt: Date | null;
}

/** API.md's customer object. `deleted: true` appears on an erased customer only, as on Stripe's. */
export interface CustomerObject {
  id: string;
  object: 'customer';
  livemode: boolean;
  email: string | null;
  phone: string | null;
  name: string | null;
  locale: CheckoutLocale | null;
  shipping_address: ShippingAddress | null;
  preferred_channel: Channel | null;
  metadata: Record<string, string>;
  created_at: string;
  updated_at: string;
  deleted?: true;
}

export function toCustomerObject(customer: CustomerRecord): CustomerObject {
  return {
    id: customer.id,
    object: 'customer',
    livemode: customer.livemode,
    email: customer.email,
    phone: customer.phone,
    name: customer.name,
    locale: customer.locale,
    shipping_address: customer.shippingAddress,
    preferred_channel: customer.preferredChannel,
    metadata: customer.metadata,
    created_at: customer.createdAt.toISOString(),
    updated_at: customer.updatedAt.toISOString(),
    ...(customer.erasedAt ? { deleted: true as const } : {}),
  };
}

/**
 * An e-mail address as it is stored and looked up: trimmed and lower-cased. The local part may be
 * case-sensitive by RFC 5321, but no mail provider a shopper uses treats it so, and a returning
 * shopper who types `Li.Wei@QQ.com` must find the customer saved as `li.wei@qq.com`.
 */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * A phone number in E.164 (`+8613800138000`), or null when it cannot be one. Accepted: `+` and a
 * country code, `00` and a country code, or a mainland China mobile number without one
 * (11 digits starting 1[3-9], the numbers Aliyun SMS reaches without a prefix); spaces, hyphens,
 * dots and parentheses between digits are dropped. Anything else is refused rather than guessed:
 * a local landline without its country code cannot be told apart from other countries' numbers.
 */
export function normalizePhone(phone: string): string | null {
  const compact = phone.trim().replace(/[\s\-.()]/g, '');
  let digits: string;
  if (compact.startsWith('+')) digits = compact.slice(1);
  else if (compact.startsWith('00')) digits = compact.slice(2);
  else if (/^1[3-9]\d{9}$/.test(compact)) digits = `86${compact}`;
  else return null;
  // E.164: a country code (no leading 0) and at most 15 digits in all.
  if (!/^[1-9]\d{6,14}$/.test(digits)) return null;
  // A mainland number is at most 11 digits after 86; an 11-digit one starting 1 is a mobile, 1[3-9].
  if (digits.startsWith('86') && digits.length > 13) return null;
  if (/^861\d{10}$/.test(digits) && !/^861[3-9]/.test(digits)) return null;
  return `+${digits}`;
}
