import type { CheckoutLocale } from './checkout-session';
import type { ShippingAddress } from './customer';

// The hosted checkout's "receipt and saved details" section (API.md "Hosted checkout"): what the
// page sends with a pay, what a returning shopper sees before and after the SMS code, and the
// rules both the API and the page (web/) follow. One definition for both.

/**
 * The version of the "save my details" consent text. The words live in web/messages (Paraglide,
 * key `details_save_consent`, both locales); whoever changes them changes this too, so that
 * every recorded consent names the text the shopper read. The page sends the text it showed and
 * this version; the API refuses any other version.
 */
export const SAVE_DETAILS_CONSENT_VERSION = 'save_details.2026-12-03';

/** An SMS code is this many digits, and is good for this long (API.md: 10 minutes). */
export const VERIFICATION_CODE_DIGITS = 6;
export const VERIFICATION_TTL_SECONDS = 600;

/**
 * How often a code may be sent and tried. Per phone: the SMS bill and the shopper's peace (a
 * stranger must not be able to fill someone's phone with codes); per IP address and per session:
 * one caller cycling through phone numbers to learn which ones are saved.
 */
export const VERIFICATION_LIMITS = {
  sendsPerPhonePerHour: 5,
  sendsPerIpPerHour: 20,
  sendsPerSession: 5,
  /** Wrong codes before a verification is spent; a new one must be sent. */
  attemptsPerVerification: 5,
} as const;

/**
 * What the shopper filled in and ticked, sent with the pay (POST /checkout/sessions/:id/payments
 * `details`); the API gets email and phone normalised by its validation (domain/customer.ts).
 */
export interface CheckoutDetailsInput {
  email?: string;
  phone?: string;
  name?: string;
  /** "Send me the receipt": the contact goes on the payment only. */
  receipt: boolean;
  /** "Save my details with <merchant> for next time": the merchant's customer, found or created by phone. */
  save: boolean;
  /** The verification a returning shopper passed (cver_…): the saved customer is theirs to use. */
  verification?: string;
  /** With `save`: the consent text as shown, and SAVE_DETAILS_CONSENT_VERSION. */
  consent_text?: string;
  consent_version?: string;
  /** The page's language: the receipt's, and a new customer's. */
  locale: CheckoutLocale;
}

/** A saved customer's details, as a returning shopper sees them before the code: never in full. */
export interface MaskedDetails {
  phone: string;
  email: string | null;
  name: string | null;
  has_shipping_address: boolean;
}

/** The details a verified shopper finds filled in. */
export interface VerifiedDetails {
  phone: string | null;
  email: string | null;
  name: string | null;
  shipping_address: ShippingAddress | null;
}

/** `+8613800138000` → `+86 138****8000`; other countries keep their first and last digits only. */
export function maskPhone(e164: string): string {
  const china = /^\+86(1\d{2})\d{4}(\d{4})$/.exec(e164);
  if (china) return `+86 ${china[1]}****${china[2]}`;
  if (e164.length <= 7) return `${e164.slice(0, 2)}${'*'.repeat(Math.max(0, e164.length - 2))}`;
  return `${e164.slice(0, 4)}${'*'.repeat(e164.length - 8)}${e164.slice(-4)}`;
}

/** `li.wei@qq.com` → `l***@qq.com`: enough to recognise one's own, not to learn someone's. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/** `李伟` → `李*`, `Ann Lee` → `A** L**`: the first character of each word. */
export function maskName(name: string): string {
  return name
    .split(/(\s+)/)
    .map((part) => {
      if (/^\s*$/.test(part)) return part;
      const [first, ...rest] = Array.from(part);
      return first + '*'.repeat(rest.length);
    })
    .join('');
}
