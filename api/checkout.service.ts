import type {
  CheckoutSessionStatus,
  SessionDiscount,
  SessionLineItem,
  SessionPayment,
} from '../domain/checkout-session';
import { computeCheckoutTotals, type CouponTerms } from '../domain/checkout-totals';
import { newId } from '../domain/ids';
import { isTerminal, type Channel } from '../domain/payment';
import { ChannelRouteSchema, MerchantSchema, PaymentSchema } from '../db/entities';
import { loadProviderAccount } from '../db/provider-accounts.store';
import { ProviderError } from '../providers/errors';
import type { ShopperIdentification } from '../providers/provider';
import { shopperIdentificationFor } from '../providers/registry';
import type { ApiDeps } from './deps';
import { AppError, ConflictError, InvalidRequestError, NotFoundError } from './errors';
import type { Merchant, PaymentsService } from './payments.service';
import type { PricingService } from './pricing.service';

export const CHECKOUT_LOCALES = ['zh-CN', 'en-US'] as const;
export type CheckoutLocale = (typeof CHECKOUT_LOCALES)[number];

export interface CreateSessionParams {
  currency: 'CNY';
  line_items: { name: string; quantity: number; unit_amount: number; tax_rate?: string }[];
  discounts?: { coupon: string }[];
  allowed_channels?: Channel[];
  customer?: string;
  locale: CheckoutLocale;
  success_url: string;
  cancel_url: string;
  expires_in: number;
  save_customer: 'optional' | 'never';
}

export interface CheckoutSession {
  id: string;
  merchantId: string;
  livemode: boolean;
  status: CheckoutSessionStatus;
  currency: string;
  locale: CheckoutLocale;
  lineItems: SessionLineItem[];
  discounts: SessionDiscount[];
  allowedChannels: Channel[];
  customerId: string | null;
  saveCustomer: string;
  successUrl: string;
  cancelUrl: string;
  amountSubtotal: number;
  amountDiscount: number;
  amountTax: number;
  amountTotal: number;
  paymentId: string | null;
  expiresAt: Date;
  createdAt: Date;
}

interface SessionRow {
  id: string;
  merchant_id: string;
  livemode: boolean;
  status: CheckoutSession['status'];
  currency: string;
  locale: CheckoutLocale;
  line_items: SessionLineItem[];
  discounts: SessionDiscount[];
  allowed_channels: Channel[];
  customer_id: string | null;
  save_customer: string;
  success_url: string;
  cancel_url: string;
  amount_subtotal: string;
  amount_discount: string;
  amount_tax: string;
  amount_total: string;
  payment_id: string | null;
  expires_at: Date;
  created_at: Date;
}

const toSession = (row: SessionRow): CheckoutSession => ({
  id: row.id,
  merchantId: row.merchant_id,
  livemode: row.livemode,
  status: row.status,
  currency: row.currency,
  locale: row.locale,
  lineItems: row.line_items,
  discounts: row.discounts,
  allowedChannels: row.allowed_channels,
  customerId: row.customer_id,
  saveCustomer: row.save_customer,
  successUrl: row.success_url,
  cancelUrl: row.cancel_url,
  amountSubtotal: Number(row.amount_subtotal),
  amountDiscount: Number(row.amount_discount),
  amountTax: Number(row.amount_tax),
  amountTotal: Number(row.amount_total),
  paymentId: row.payment_id,
  // Raw rows carry timestamps as strings.
  expiresAt: new Date(row.expires_at),
  createdAt: new Date(row.created_at),
});

/** What the shopper's page shows: the session, its merchant's name and its current payment. */
export interface PublicSession {
  session: CheckoutSession;
  merchantName: string;
  payment: SessionPayment | null;
}

/** A payment made on the page lives this long at most; the shopper can always start another. */
const PAYMENT_WINDOW_SECONDS = 900;
const MIN_PAYMENT_SECONDS = 60;

export function createCheckoutService(deps: ApiDeps, payments: PaymentsService, pricing: PricingService) {
  const { db } = deps;
  const urlOf = (id: string): string => `${deps.config.webUrl}/pay/${id}`;

  /** Loads a session, first marking it expired if its time has passed unpaid. */
  async function load(id: string, merchant: Merchant | null): Promise<CheckoutSession> {
    await db
      .fork()
      .execute(
        `update checkout_sessions set status = 'expired', expired_at = now() where id = ? and status = 'open' and expires_at <= now()`,
        [id],
      );
    const [row] = await db.fork().execute<SessionRow[]>(`select * from checkout_sessions where id = ?`, [id]);
    if (!row || (merchant && (row.merchant_id !== merchant.id || row.livemode !== merchant.livemode)))
      throw new NotFoundError('checkout session', id);
    return toSession(row);
  }

  async function routedChannels(merchant: Merchant): Promise<Channel[]> {
    return (await db.fork().find(ChannelRouteSchema, { merchantId: merchant.id, livemode: merchant.livemode })).map(
      (route) => route.channel,
    );
  }

  /**
   * How the provider behind the merchant's wechat_jsapi route identifies the shopper: the openid must
   * belong to that account's appid.
   */
  async function jsapiIdentification(session: CheckoutSession): Promise<ShopperIdentification> {
    if (!session.allowedChannels.includes('wechat_jsapi'))
      throw new InvalidRequestError(
        'channel_not_allowed',
        'WeChat Pay inside WeChat is not offered for this checkout session.',
        'channel',
      );
    const route = await db.fork().findOne(ChannelRouteSchema, {
      merchantId: session.merchantId,
      livemode: session.livemode,
      channel: 'wechat_jsapi',
    });
    const account = route ? await loadProviderAccount(db.fork(), deps.secretBox, route.providerAccountId) : null;
    if (!account)
      throw new InvalidRequestError(
        'channel_not_configured',
        'WeChat Pay is not configured for this merchant.',
        'channel',
      );
    const identification = shopperIdentificationFor(account, { sandboxUrl: deps.config.sandboxUrl });
    if (!identification)
      throw new Error(`provider ${account.provider} cannot identify shoppers, yet serves wechat_jsapi`);
    return identification;
  }

  /** The shopper's openid under the merchant's appid, from the code WeChat's OAuth gave the page. */
  async function openidFor(session: CheckoutSession, code: string): Promise<string> {
    try {
      return await (await jsapiIdentification(session)).shopperIdFromCode(code);
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      if (!error.retryable)
        throw new InvalidRequestError('wechat_oauth_code_invalid', `${error.message}`, 'wechat_oauth_code');
      throw new AppError(
        'provider_error',
        'wechat_unavailable',
        'WeChat could not be reached to identify the shopper; try again.',
        null,
        { cause: error },
      );
    }
  }

  async function sessionPayment(paymentId: string | null): Promise<SessionPayment | null> {
    if (!paymentId) return null;
    const payment = await db.fork().findOne(PaymentSchema, { id: paymentId });
    if (!payment) return null;
    return {
      id: payment.id,
      status: payment.status,
      channel: payment.channel,
      next_action: payment.status === 'requires_action' ? payment.nextAction : null,
      expires_at: payment.expiresAt.toISOString(),
    };
  }

  return {
    urlOf,

    async create(merchant: Merchant, params: CreateSessionParams): Promise<CheckoutSession> {
      const rates = await pricing.taxRatesByIds(
        merchant,
        params.line_items.flatMap((item, index) =>
          item.tax_rate ? [{ id: item.tax_rate, param: `line_items[${index}][tax_rate]` }] : [],
        ),
      );
      const coupon = params.discounts?.length
        ? await pricing.redeemableCoupon(merchant, params.discounts[0].coupon, 'discounts[0][coupon]')
        : null;
      const routed = await routedChannels(merchant);
      const allowed = params.allowed_channels ?? routed;
      const unrouted = allowed.findIndex((channel) => !routed.includes(channel));
      if (unrouted >= 0)
        throw new InvalidRequestError(
          'channel_not_configured',
          `The channel ${allowed[unrouted]} is not configured for this merchant.`,
          `allowed_channels[${unrouted}]`,
        );
      if (allowed.length === 0)
        throw new InvalidRequestError(
          'channel_not_configured',
          'This merchant has no payment channel configured.',
          'allowed_channels',
        );

      const terms: CouponTerms | null = coupon
        ? coupon.percentOff !== null
          ? { percentOff: coupon.percentOff, amountOff: null }
          : { percentOff: null, amountOff: coupon.amountOff! }
        : null;
      const totals = computeCheckoutTotals(
        params.line_items.map((item) => {
          const rate = item.tax_rate ? rates.get(item.tax_rate)! : null;
          return {
            quantity: item.quantity,
            unitAmount: item.unit_amount,
            taxRate: rate && { percentage: rate.percentage, inclusive: rate.inclusive },
          };
        }),
        terms,
      );
      if (totals.amountTotal <= 0)
        throw new InvalidRequestError(
          'amount_too_small',
          'The session would cost nothing; a payment needs an amount above 0.',
          'line_items',
        );
      const lineItems: SessionLineItem[] = params.line_items.map((item, index) => {
        const rate = item.tax_rate ? rates.get(item.tax_rate)! : null;
        const line = totals.lines[index];
        return {
          name: item.name,
          quantity: item.quantity,
          unit_amount: item.unit_amount,
          amount_subtotal: line.amountSubtotal,
          amount_discount: line.amountDiscount,
          amount_tax: line.amountTax,
          amount_total: line.amountTotal,
          tax_rate: rate && {
            id: rate.id,
            display_name: rate.displayName,
            percentage: rate.percentage,
            inclusive: rate.inclusive,
          },
        };
      });
      const discounts: SessionDiscount[] = coupon
        ? [
            {
              coupon: { code: coupon.code, percent_off: coupon.percentOff, amount_off: coupon.amountOff },
              amount: totals.amountDiscount,
            },
          ]
        : [];
      const [row] = await db.fork().execute<SessionRow[]>(
        `insert into checkout_sessions (id, merchant_id, livemode, status, currency, locale, line_items, coupon_code, discounts, allowed_channels, customer_id, save_customer,
           success_url, cancel_url, amount_subtotal, amount_discount, amount_tax, amount_total, expires_at)
         values (?, ?, ?, 'open', ?, ?, ?, ?, ?, ?::text[], ?, ?, ?, ?, ?, ?, ?, ?, ?) returning *`,
        [
          newId('checkoutSession'),
          merchant.id,
          merchant.livemode,
          params.currency,
          params.locale,
          JSON.stringify(lineItems),
          coupon?.code ?? null,
          JSON.stringify(discounts),
          `{${allowed.join(',')}}`,
          params.customer ?? null,
          params.save_customer,
          params.success_url,
          params.cancel_url,
          totals.amountSubtotal,
          totals.amountDiscount,
          totals.amountTax,
          totals.amountTotal,
          new Date(Date.now() + params.expires_in * 1000),
        ],
      );
      return toSession(row);
    },

    find(merchant: Merchant, id: string): Promise<CheckoutSession> {
      return load(id, merchant);
    },

    /** Ends an open session now, as Stripe's `expire` does; its unpaid payment is canceled. */
    async expire(merchant: Merchant, id: string): Promise<CheckoutSession> {
      const session = await load(id, merchant);
      if (session.status === 'complete')
        throw new ConflictError('checkout_session_complete', 'This checkout session has been paid; it cannot expire.');
      if (session.status === 'open') {
        await cancelUnpaid(merchant, session.paymentId);
        await db
          .fork()
          .execute(
            `update checkout_sessions set status = 'expired', expired_at = now() where id = ? and status = 'open'`,
            [id],
          );
      }
      return load(id, merchant);
    },

    /**
     * Where to send a shopper in WeChat's browser so that WeChat tells us who they are (snsapi_base,
     * no consent screen); WeChat sends them back to the page with `code` and `state`.
     */
    async wechatOauthUrl(id: string): Promise<string> {
      const session = await load(id, null);
      if (session.status !== 'open')
        throw new ConflictError(`checkout_session_${session.status}`, `This checkout session is ${session.status}.`);
      return (await jsapiIdentification(session)).authorizeUrl({ redirectUri: urlOf(id), state: id });
    },

    async publicView(id: string): Promise<PublicSession> {
      const session = await load(id, null);
      const merchant = await db.fork().findOneOrFail(MerchantSchema, { id: session.merchantId });
      return { session, merchantName: merchant.name, payment: await sessionPayment(session.paymentId) };
    },

    /**
     * The shopper picks a channel on the page: a payment of the session's total is created for it.
     * Picking the channel of the payment still waiting gives that payment again; another channel
     * cancels it first, so that only one can be paid.
     */
    async pay(
      id: string,
      params: { channel: Channel; client_ip?: string; wechat_oauth_code?: string },
    ): Promise<SessionPayment> {
      const session = await load(id, null);
      if (session.status !== 'open')
        throw new ConflictError(`checkout_session_${session.status}`, `This checkout session is ${session.status}.`);
      if (!session.allowedChannels.includes(params.channel))
        throw new InvalidRequestError(
          'channel_not_allowed',
          `The channel ${params.channel} is not offered for this checkout session.`,
          'channel',
        );
      const merchant: Merchant = { id: session.merchantId, livemode: session.livemode };

      const current = await sessionPayment(session.paymentId);
      if (current && !isTerminal(current.status) && current.channel === params.channel) return current;
      if (current?.status === 'succeeded')
        throw new ConflictError('checkout_session_complete', 'This checkout session has been paid.');
      if (current && !isTerminal(current.status)) await cancelUnpaid(merchant, current.id);

      if (params.channel === 'wechat_jsapi' && !params.wechat_oauth_code) {
        throw new InvalidRequestError(
          'parameter_missing',
          'Missing required param: wechat_oauth_code (WeChat Pay inside WeChat needs the shopper to be identified first).',
          'wechat_oauth_code',
        );
      }
      const openid =
        params.channel === 'wechat_jsapi' ? await openidFor(session, params.wechat_oauth_code!) : undefined;
      const secondsLeft = Math.floor((session.expiresAt.getTime() - Date.now()) / 1000);
      if (secondsLeft < MIN_PAYMENT_SECONDS)
        throw new ConflictError('checkout_session_expired', 'This checkout session is about to expire.');
      const description = session.lineItems
        .map((item) => (item.quantity > 1 ? `${item.name} ×${item.quantity}` : item.name))
        .join(', ');
      const payment = await payments.create(
        merchant,
        {
          amount: session.amountTotal,
          currency: 'CNY',
          channel: params.channel,
          description: description.length > 128 ? `${description.slice(0, 127)}…` : description,
          return_url: urlOf(id),
          expires_in: Math.min(PAYMENT_WINDOW_SECONDS, secondsLeft),
          client_ip: params.client_ip,
          openid,
          customer: session.customerId ?? undefined,
          metadata: { checkout_session: id },
        },
        { sessionId: id, url: urlOf(id) },
      );
      await db
        .fork()
        .execute(`update checkout_sessions set payment_id = ? where id = ? and status = 'open'`, [payment.id, id]);
      return (await sessionPayment(payment.id))!;
    },
  };

  /** Closes a session's unpaid payment at the provider; one that succeeded meanwhile wins. */
  async function cancelUnpaid(merchant: Merchant, paymentId: string | null): Promise<void> {
    if (!paymentId) return;
    try {
      await payments.cancel(merchant, paymentId);
    } catch (error) {
      if (error instanceof ConflictError && error.code === 'payment_already_succeeded')
        throw new ConflictError('checkout_session_complete', 'This checkout session has been paid.');
      if (!(error instanceof ConflictError)) throw error;
    }
  }
}

export type CheckoutService = ReturnType<typeof createCheckoutService>;
