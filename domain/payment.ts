import type { Currency } from './money';
import type { ProviderTrade } from './provider-reports';

export const PROVIDERS = ['alipay', 'wechatpay', 'unionpay'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export const CHANNELS = [
  'alipay_pc',
  'alipay_wap',
  'alipay_qr',
  'wechat_native',
  'wechat_jsapi',
  'wechat_h5',
  'unionpay_pc',
  'unionpay_wap',
] as const;
export type Channel = (typeof CHANNELS)[number];

export function providerOf(channel: Channel): ProviderName {
  if (channel.startsWith('alipay_')) return 'alipay';
  if (channel.startsWith('wechat_')) return 'wechatpay';
  return 'unionpay';
}

export const PAYMENT_STATUSES = [
  'requires_action',
  'processing',
  'succeeded',
  'failed',
  'canceled',
  'expired',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const TERMINAL_PAYMENT_STATUSES: readonly PaymentStatus[] = ['succeeded', 'failed', 'canceled', 'expired'];

export function isTerminal(status: PaymentStatus): boolean {
  return TERMINAL_PAYMENT_STATUSES.includes(status);
}

/**
 * Whether the provider's word means the shopper paid a payment that had not succeeded here: it
 * reports success, for the payment's amount, once Tongbao has closed the payment (expired,
 * canceled, failed). A final state never changes, so the payment stays as it is and the money goes
 * back (README "Late and unknown notifications"). Asked in two places: by the payment's workflow,
 * of a notification that came in as it ended, and by the API, of one that came after.
 */
export function paidAfterClosing(
  payment: { status: PaymentStatus; amountMinor: number },
  trade: Pick<ProviderTrade, 'status' | 'amountMinor'>,
): boolean {
  return payment.status !== 'succeeded' && trade.status === 'succeeded' && trade.amountMinor === payment.amountMinor;
}

/** What the shopper must do next; exactly the `next_action` of API.md. */
export type NextAction =
  | { type: 'display_qr_code'; display_qr_code: { data: string; image_svg_url: string | null } }
  | {
      type: 'redirect_to_url';
      redirect_to_url: { url: string; method: 'GET' | 'POST'; form: Record<string, string> | null };
    }
  | {
      type: 'wechat_jsapi';
      wechat_jsapi: {
        appId: string;
        timeStamp: string;
        nonceStr: string;
        package: string;
        signType: 'RSA';
        paySign: string;
      };
    };

/** Everything the payment workflow needs to create a payment; fixed when the merchant asks. */
export interface PaymentDraft {
  id: string;
  merchantId: string;
  livemode: boolean;
  providerAccountId: string;
  provider: ProviderName;
  channel: Channel;
  amountMinor: number;
  currency: Currency;
  description: string;
  merchantOrderNo: string | null;
  customerId: string | null;
  returnUrl: string | null;
  openid: string | null;
  clientIp: string | null;
  metadata: Record<string, string>;
  outTradeNo: string;
  createdAt: string;
  expiresAt: string;
  /** Set when the shopper pays on the hosted checkout; absent in drafts older than it. */
  checkoutSessionId?: string | null;
  checkoutUrl?: string | null;
}

/**
 * The order number sent to the provider, derived from the payment id so that a retried
 * activity can only ever address the same trade. Alipay allows 64 characters, WeChat 32
 * (letters, digits, _-|*), UnionPay 8–40 letters and digits: the id without its
 * underscore fits all three.
 */
export function outTradeNoFor(paymentId: string): string {
  return paymentId.replace('_', '');
}

/** A payment as stored; the workflow of the payment is its only writer. */
export interface PaymentRecord {
  id: string;
  merchantId: string;
  livemode: boolean;
  providerAccountId: string;
  provider: ProviderName;
  channel: Channel;
  status: PaymentStatus;
  amount: number;
  amountRefunded: number;
  currency: string;
  description: string;
  merchantOrderNo: string | null;
  customerId: string | null;
  returnUrl: string | null;
  openid: string | null;
  clientIp: string | null;
  metadata: Record<string, string>;
  nextAction: NextAction | null;
  checkoutSessionId: string | null;
  checkoutUrl: string | null;
  outTradeNo: string;
  providerTradeNo: string | null;
  failureCode: string | null;
  failureMessage: string | null;
  expiresAt: Date;
  createdAt: Date;
  updatedAt: Date;
  succeededAt: Date | null;
  canceledAt: Date | null;
  expiredAt: Date | null;
}
