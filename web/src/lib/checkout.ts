/**
 * The checkout session as the API's public `GET /checkout/sessions/:id` answers it (API.md,
 * "Hosted checkout"), and the pure rules the page applies to it. Shared by server and browser.
 */

// One definition of channels, providers and payment statuses for the API and this page
// (ARCHITECTURE.md: domain/ is shared by api/, activities/ and web/).
import {
  PROVIDERS,
  providerOf,
  type Channel,
  type NextAction,
  type PaymentStatus,
  type ProviderName as Provider,
} from '../../../domain/payment';

export {
  CHANNELS,
  PROVIDERS,
  isTerminal,
  providerOf,
  type Channel,
  type PaymentStatus,
  type ProviderName as Provider,
} from '../../../domain/payment';

import type {
  CheckoutSessionStatus as SessionStatus,
  SessionDiscount as Discount,
  SessionLineItem as LineItem,
  SessionPayment,
  SessionTaxRate as TaxRate,
} from '../../../domain/checkout-session';
import { BRAND_COLOR, textColorOn } from '../../../domain/brand-color';

export type { Discount, LineItem, NextAction, SessionPayment, SessionStatus, TaxRate };

export {
  SAVE_DETAILS_CONSENT_VERSION,
  type CheckoutDetailsInput,
  type MaskedDetails,
  type VerifiedDetails,
} from '../../../domain/checkout-details';

/** The parameters of WeixinJSBridge's getBrandWCPayRequest, as the API signed them. */
export type WechatJsapiParams = Extract<NextAction, { type: 'wechat_jsapi' }>['wechat_jsapi'];

export interface CheckoutSession {
  id: string;
  object: 'checkout.session';
  /** False for a test-mode session: the page says so, and nothing real is charged. */
  livemode: boolean;
  status: SessionStatus;
  currency: string;
  locale: string;
  /**
   * The display name (else the name), and the branding the merchant set with POST /v1/account;
   * `suspended`: the platform suspended the merchant, and the page offers no payment.
   */
  merchant: { name: string; logo: string | null; brand_color: string | null; suspended: boolean };
  line_items: LineItem[];
  discounts: Discount[];
  amount_subtotal: number;
  amount_discount: number;
  amount_tax: number;
  amount_total: number;
  allowed_channels: Channel[];
  success_url: string;
  cancel_url: string;
  expires_at: string;
  payment: SessionPayment | null;
  /** The "receipt / save my details" section: not shown, the receipt only, or both choices. */
  details_offer: 'none' | 'receipt' | 'receipt_and_save';
}

/** What the status endpoint (`/pay/[id]/status`) tells the page while it waits. */
export interface StatusReport {
  session: SessionStatus;
  payment: { id: string; status: PaymentStatus } | null;
}

export const SESSION_ID = /^cs_[0-9A-Za-z]{1,64}$/;

/**
 * Where the shopper's browser runs decides which channels can work there: a phone cannot scan
 * a QR code shown on itself, and a desktop has no Alipay or WeChat app to open.
 */
export type Device = 'desktop' | 'phone' | 'wechat';

const PHONE_UA = /Mobile|Android|iPhone|iPad|iPod|HarmonyOS|OpenHarmony|Windows Phone/i;

export function deviceOf(userAgent: string): Device {
  const phone = PHONE_UA.test(userAgent);
  // WeChat's desktop apps (WindowsWechat, MacWechat) also say MicroMessenger, but they show
  // QR codes and PC pages as any desktop browser does.
  if (phone && /MicroMessenger/i.test(userAgent)) return 'wechat';
  return phone ? 'phone' : 'desktop';
}

const DESKTOP_CHANNELS: readonly Channel[] = ['alipay_pc', 'alipay_qr', 'wechat_native', 'unionpay_pc'];
const PHONE_CHANNELS: readonly Channel[] = ['alipay_wap', 'wechat_h5', 'unionpay_wap'];
// Inside WeChat's browser WeChat Pay is JSAPI (WeChat refuses H5 payments there), and it comes
// first: the shopper is already in WeChat.
const WECHAT_CHANNELS: readonly Channel[] = ['wechat_jsapi', 'alipay_wap', 'unionpay_wap'];

/**
 * The channels the page offers; the first is chosen by default, and they are shown grouped by
 * provider. When none of this device's channels is allowed, the session's others are offered
 * rather than nothing. wechat_jsapi only works inside WeChat, so it is offered nowhere else.
 */
export function channelsFor(device: Device, allowed: readonly Channel[]): Channel[] {
  const preferred = device === 'desktop' ? DESKTOP_CHANNELS : device === 'phone' ? PHONE_CHANNELS : WECHAT_CHANNELS;
  const fitting = preferred.filter((channel) => allowed.includes(channel));
  if (fitting.length > 0) return fitting;
  const others = device === 'desktop' ? PHONE_CHANNELS : DESKTOP_CHANNELS;
  return others.filter((channel) => allowed.includes(channel));
}

/** Whether WeChat Pay is allowed, but not the one kind that works inside WeChat's browser (JSAPI). */
export function wechatPayUnavailable(device: Device, allowed: readonly Channel[]): boolean {
  return (
    device === 'wechat' &&
    !allowed.includes('wechat_jsapi') &&
    allowed.some((channel) => providerOf(channel) === 'wechatpay')
  );
}

export function groupByProvider(channels: readonly Channel[]): { provider: Provider; channels: Channel[] }[] {
  return PROVIDERS.map((provider) => ({
    provider,
    channels: channels.filter((channel) => providerOf(channel) === provider),
  })).filter((group) => group.channels.length > 0);
}

/** Integer fen as money, e.g. `¥1,234.50` in both locales (narrowSymbol: not `CN¥` in English). */
export function formatAmount(amount: number, currency: string, locale: string): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency, currencyDisplay: 'narrowSymbol' }).format(
    amount / 100,
  );
}

/** A percentage as the locale writes it: `6%`, `6.5%`. */
export function formatPercent(percentage: number, locale: string): string {
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 4 }).format(percentage / 100);
}

/**
 * Where the shopper goes once paid. As with Stripe, a `{CHECKOUT_SESSION_ID}` in success_url is
 * replaced by the session's id; a URL without it gets `session_id=cs_…` appended, so the merchant's
 * page can always tell which session brought the shopper (and must confirm it with the API).
 */
export function successUrlFor(successUrl: string, sessionId: string): string {
  if (successUrl.includes('{CHECKOUT_SESSION_ID}')) return successUrl.replaceAll('{CHECKOUT_SESSION_ID}', sessionId);
  const url = new URL(successUrl);
  url.searchParams.set('session_id', sessionId);
  return url.href;
}

/** Seconds from `now` until `iso`, never below 0. */
export function secondsUntil(iso: string, now: number): number {
  return Math.max(0, Math.floor((Date.parse(iso) - now) / 1000));
}

/** `14:05` for 845 seconds; hours when needed (`1:02:03`). */
export function formatCountdown(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const mm = String(m).padStart(h > 0 ? 2 : 1, '0');
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

/** Tax lines of the summary: one per rate, inclusive ones only mentioned, exclusive ones added. */
export function taxLines(items: readonly LineItem[]): { rate: TaxRate; amount: number }[] {
  const byRate = new Map<string, { rate: TaxRate; amount: number }>();
  for (const item of items) {
    if (!item.tax_rate) continue;
    const line = byRate.get(item.tax_rate.id) ?? { rate: item.tax_rate, amount: 0 };
    line.amount += item.amount_tax;
    byRate.set(item.tax_rate.id, line);
  }
  return [...byRate.values()];
}

/**
 * The CSS variables that paint the page's header and pay button in the merchant's brand colour,
 * with white or dark text, whichever reads better on it; null without a (well-formed) colour.
 */
export function brandStyleOf(brandColor: string | null): string | null {
  if (!brandColor || !BRAND_COLOR.test(brandColor)) return null;
  const hover = `color-mix(in srgb, ${brandColor} 85%, ${textColorOn(brandColor) === '#ffffff' ? 'black' : 'white'})`;
  return `--primary-bg: ${brandColor}; --primary-hover: ${hover}; --primary-text: ${textColorOn(brandColor)}`;
}
