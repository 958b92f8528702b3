import {
  checkoutSessionStatusAt,
  type CheckoutLocale,
  type SessionDiscount,
  type SessionLineItem,
  type SessionPayment,
} from '../domain/checkout-session';
import { computeCheckoutTotals, type CouponTerms } from '../domain/checkout-totals';
import { newId } from '../domain/ids';
import { isTerminal, type Channel } from '../domain/payment';
import {
  ChannelRouteSchema,
  CheckoutSessionSchema,
  MerchantSchema,
  PaymentSchema,
  type CheckoutSessionRow,
} from '../db/entities';
import { loadProviderAccount } from '../db/provider-accounts.store';
import { ProviderError } from '../providers/errors';
import type { ShopperIdentification } from '../providers/provider';
import { shopperIdentificationFor } from '../providers/registry';
import type { ApiDeps } from './deps';
import { AppError, ConflictError, InvalidRequestError, NotFoundError } from './errors';
import type { Merchant, PaymentsService } from './payments.service';
import type { PricingService } from './pricing.service';

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

/** A session as it reads now: its status is `checkoutSessionStatusAt` now, not only what was written. */
export type CheckoutSession = CheckoutSessionRow;

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

  /** Loads a session as it is now: reading writes nothing, an unpaid session past its time reads as expired. */
  async function load(id: string, merchant: Merchant | null): Promise<CheckoutSession> {
    const where = merchant ? { id, merchantId: merchant.id, livemode: merchant.livemode } : { id };
    const row = await db.fork().findOne(CheckoutSessionSchema, where);
    if (!row) throw new NotFoundError('checkout session', id);
    return { ...row, status: checkoutSessionStatusAt(row, new Date()) };
  }

  /**
   * Writes that an open session has ended, at `at`: when it is ended early, or when something acts on
   * a session whose time ran out (then at its expires_at). A session paid meanwhile stays complete.
   */
  async function markExpired(id: string, at: Date): Promise<void> {
    await db.fork().nativeUpdate(CheckoutSessionSchema, { id, status: 'open' }, { status: 'expired', expiredAt: at });
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
      const id = newId('checkoutSession');
      await db.fork().insert(CheckoutSessionSchema, {
        id,
        merchantId: merchant.id,
        livemode: merchant.livemode,
        status: 'open',
        currency: params.currency,
        locale: params.locale,
        lineItems,
        couponCode: coupon?.code ?? null,
        discounts,
        allowedChannels: allowed,
        customerId: params.customer ?? null,
        saveCustomer: params.save_customer,
        successUrl: params.success_url,
        cancelUrl: params.cancel_url,
        amountSubtotal: totals.amountSubtotal,
        amountDiscount: totals.amountDiscount,
        amountTax: totals.amountTax,
        amountTotal: totals.amountTotal,
        paymentId: null,
        expiresAt: new Date(Date.now() + params.expires_in * 1000),
        createdAt: new Date(),
        completedAt: null,
        expiredAt: null,
      });
      // Read back, so that the answer shows the lines as every later read does (jsonb orders their keys).
      return load(id, merchant);
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
        await markExpired(id, new Date());
      } else {
        // Its time ran out unwritten: written now, dated when it ran out.
        await markExpired(id, session.expiresAt);
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
      if (session.status === 'expired') await markExpired(id, session.expiresAt);
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
      await db.fork().nativeUpdate(CheckoutSessionSchema, { id, status: 'open' }, { paymentId: payment.id });
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
