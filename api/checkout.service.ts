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
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Admission } from './admission';
import { checkoutLocaleOf } from './account.service';
import { logoDataUrl } from './logo-image';
import { createCheckoutWechat } from './checkout-wechat';
import type { ApiDeps } from './deps';
import { ConflictError, InvalidRequestError, NotFoundError } from './errors';
import { assertTakingPayments } from './merchant-suspension';
import type { Merchant, PaymentsService } from './payments.service';
import { CUSTOMER_USABLE_SQL, customerNotFound } from './customers.service';
import { redeemSessionCoupon, releaseSessionCoupon, type PricingService } from './pricing.service';
import type { CheckoutDetailsService } from './checkout-details.service';
import type { CheckoutSession, CreateSessionParams, PayParams, PublicSession } from './checkout-shapes';

/** A payment made on the page lives this long at most; the shopper can always start another. */
const PAYMENT_WINDOW_SECONDS = 900;
const MIN_PAYMENT_SECONDS = 60;
/** How often a pay goes round when other pays on the same page keep getting in first (waiting CLAIM_WAIT_MS each time). */
const MAX_PAY_ROUNDS = 60;
const CLAIM_WAIT_MS = 250;
/** A pay's claim on its session lapses after this, should the process making the payment die. */
const CLAIM_SECONDS = 60;

/** `admission` bounds the pays in flight, as the merchant's own requests that start workflows are (api/app.ts). */
export function createCheckoutService(
  deps: ApiDeps,
  payments: PaymentsService,
  pricing: PricingService,
  admission: Admission,
  details: CheckoutDetailsService,
) {
  const { db } = deps;
  const urlOf = (id: string): string => `${deps.config.webUrl}/pay/${id}`;
  const { jsapiIdentification, openidFor } = createCheckoutWechat(deps);

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
    await db.fork().transactional(async (tx) => {
      await tx.execute(
        `update checkout_sessions set status = 'expired', expired_at = ? where id = ? and status = 'open'`,
        [at, id],
      );
      await releaseSessionCoupon(tx, id);
    });
  }

  async function routedChannels(merchant: Merchant): Promise<Channel[]> {
    return (await db.fork().find(ChannelRouteSchema, { merchantId: merchant.id, livemode: merchant.livemode })).map(
      (route) => route.channel,
    );
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
      // Only when the session names a customer: one lookup by primary key.
      if (params.customer) {
        const [found] = await db
          .fork()
          .execute<{ usable: boolean }[]>(`select ${CUSTOMER_USABLE_SQL} as usable`, [
            params.customer,
            merchant.id,
            merchant.livemode,
          ]);
        if (!found?.usable) throw customerNotFound(params.customer);
      }
      const rates = await pricing.taxRatesByIds(
        merchant,
        params.line_items.flatMap((item, index) =>
          item.tax_rate ? [{ id: item.tax_rate, param: `line_items[${index}][tax_rate]` }] : [],
        ),
      );
      const coupon = params.discounts?.length
        ? await pricing.redeemableCoupon(merchant, params.discounts[0].coupon, 'discounts[0][coupon]')
        : null;
      const [routed, locale] = await Promise.all([
        routedChannels(merchant),
        params.locale ?? checkoutLocaleOf(db.fork(), merchant.id),
      ]);
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
        locale,
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

    /**
     * Ends an open session now, as Stripe's `expire` does; its unpaid payment is canceled. The
     * session is written expired first, under its row lock, so that no pay on the page can slip a
     * new payment in after the cancel; a payment that was paid meanwhile still completes it.
     */
    async expire(merchant: Merchant, id: string): Promise<CheckoutSession> {
      const session = await load(id, merchant);
      if (session.status === 'complete')
        throw new ConflictError('checkout_session_complete', 'This checkout session has been paid; it cannot expire.');
      const ended = await db.fork().transactional(async (tx) => {
        const row = await lockedRow(tx, id);
        if (row.status === 'complete')
          throw new ConflictError(
            'checkout_session_complete',
            'This checkout session has been paid; it cannot expire.',
          );
        if (row.status !== 'open') return null;
        const at = session.status === 'open' ? new Date() : session.expiresAt;
        await tx.execute(`update checkout_sessions set status = 'expired', expired_at = ? where id = ?`, [at, id]);
        await releaseSessionCoupon(tx, id);
        return row;
      });
      if (ended && session.status === 'open') await cancelUnpaid(merchant, ended.payment_id);
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
      await assertTakingPayments(db.fork(), session);
      return (await jsapiIdentification(session)).authorizeUrl({ redirectUri: urlOf(id), state: id });
    },

    async publicView(id: string): Promise<PublicSession> {
      const session = await load(id, null);
      const merchant = await db
        .fork()
        .findOneOrFail(MerchantSchema, { id: session.merchantId }, { populate: ['logo'] });
      return {
        session,
        merchantName: merchant.displayName ?? merchant.name,
        suspended: merchant.status === 'suspended',
        branding: { logo: logoDataUrl(merchant.logo, merchant.logoType), brandColor: merchant.brandColor ?? null },
        payment: await sessionPayment(session.paymentId),
        detailsOffer: await details.offerFor(session),
      };
    },

    /** A returning shopper asks for the SMS code of the details saved with their phone. */
    async startVerification(id: string, params: { phone: string; locale: CheckoutLocale; shopper_ip?: string }) {
      const session = await openSession(id);
      return details.startVerification(session, params, params.shopper_ip ?? null);
    },

    /** The shopper types the code: the saved details, in full, once it is right. */
    async verify(id: string, verificationId: string, code: string) {
      return details.verify(await openSession(id), verificationId, code);
    },

    /**
     * The shopper picks a channel on the page, with the receipt and save choices of the details
     * section: those are applied first (so the payment names a customer just saved), the payment
     * made, and a receipt contact written on it. Writing it after the payment's workflow inserted
     * the row leaves the workflow alone; the receipt is sent only once the shopper has paid, which
     * they can do only after this answers.
     */
    async pay(id: string, params: PayParams): Promise<SessionPayment> {
      const applied = params.details
        ? await details.apply(await openSession(id), params.details, params.shopper_ip ?? null)
        : { customerId: null, receipt: null };
      const payment = await payWithChannel(id, params);
      if (applied.receipt)
        await db
          .fork()
          .execute(`update payments set receipt_email = ?, receipt_phone = ?, receipt_locale = ? where id = ?`, [
            applied.receipt.email,
            applied.receipt.phone,
            applied.receipt.locale,
            payment.id,
          ]);
      return payment;
    },
  };

  /** The session, which must still be open (a session past its time is written expired first). */
  async function openSession(id: string): Promise<CheckoutSession> {
    const session = await load(id, null);
    if (session.status === 'expired') await markExpired(id, session.expiresAt);
    if (session.status !== 'open')
      throw new ConflictError(`checkout_session_${session.status}`, `This checkout session is ${session.status}.`);
    await assertTakingPayments(db.fork(), session);
    return session;
  }

  /**
   * The shopper picks a channel on the page: a payment of the session's total is created for it.
   * Picking the channel of the payment still waiting gives that payment again; another channel
   * cancels it first, so that only one can be paid.
   */
  async function payWithChannel(id: string, params: PayParams): Promise<SessionPayment> {
    let session = await openSession(id);
    if (!session.allowedChannels.includes(params.channel))
      throw new InvalidRequestError(
        'channel_not_allowed',
        `The channel ${params.channel} is not offered for this checkout session.`,
        'channel',
      );
    const merchant: Merchant = { id: session.merchantId, livemode: session.livemode };
    // A pay makes a payment (and may cancel one): admitted under the session's merchant, as the
    // merchant's own creates are, before the session is claimed.
    return admission.run(merchant.id, async () => {
      const description = session.lineItems
        .map((item) => (item.quantity > 1 ? `${item.name} ×${item.quantity}` : item.name))
        .join(', ');
      let openid: string | undefined;

      // Another pay on the page may get in between reading the session and locking it: then go
      // round again with the payment it made (given back if of this channel, canceled if not).
      for (let round = 0; round < MAX_PAY_ROUNDS; round++) {
        const current = await sessionPayment(session.paymentId);
        if (current && !isTerminal(current.status) && current.channel === params.channel) return current;
        if (current?.status === 'succeeded')
          throw new ConflictError('checkout_session_complete', 'This checkout session has been paid.');
        // Before the claim: a payment that succeeds as it is closed completes the session under its lock.
        if (current && !isTerminal(current.status)) await cancelUnpaid(merchant, current.id);
        if (params.channel === 'wechat_jsapi' && !params.wechat_oauth_code) {
          throw new InvalidRequestError(
            'parameter_missing',
            'Missing required param: wechat_oauth_code (WeChat Pay inside WeChat needs the shopper to be identified first).',
            'wechat_oauth_code',
          );
        }
        if (params.channel === 'wechat_jsapi' && !openid) openid = await openidFor(session, params.wechat_oauth_code!);

        const expected = session.paymentId;
        const claim = await claimForPay(id, expected);
        if (claim === 'taken') {
          // Another pay is making a payment for this session: wait for it, then go round with it.
          await new Promise((resolve) => setTimeout(resolve, CLAIM_WAIT_MS));
        } else if (claim !== 'moved_on') {
          const secondsLeft = Math.floor((session.expiresAt.getTime() - Date.now()) / 1000);
          let payment;
          try {
            if (secondsLeft < MIN_PAYMENT_SECONDS)
              throw new ConflictError('checkout_session_expired', 'This checkout session is about to expire.');
            payment = await payments.create(
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
          } catch (error) {
            await db
              .fork()
              .execute(`update checkout_sessions set pay_claim = null where id = ? and pay_claim = ?`, [id, claim]);
            throw error;
          }
          const recorded = await db
            .fork()
            .execute(
              `update checkout_sessions set payment_id = ?, pay_claim = null where id = ? and pay_claim = ? and status = 'open' returning id`,
              [payment.id, id, claim],
            );
          if (recorded.length > 0) return (await sessionPayment(payment.id))!;
          // The session ended (an expire) while the payment was made: nobody may pay it.
          await cancelUnpaid(merchant, payment.id);
        }
        session = await load(id, null);
        if (session.status !== 'open')
          throw new ConflictError(`checkout_session_${session.status}`, `This checkout session is ${session.status}.`);
      }
      throw new ConflictError(
        'checkout_session_busy',
        'This checkout session is being paid from somewhere else; try again in a moment.',
      );
    });
  }

  /**
   * The session's row, locked until the transaction ends: pay's claim, expire and a payment's
   * success (completeCheckoutSession) are decided one at a time. `no key update`, so that a
   * payment naming the session can still be inserted while the row is held.
   */
  async function lockedRow(
    tx: EntityManager,
    id: string,
  ): Promise<{ status: CheckoutSessionRow['status']; payment_id: string | null; pay_claim_live: boolean }> {
    const [row] = await tx.execute<
      { status: CheckoutSessionRow['status']; payment_id: string | null; pay_claim_live: boolean }[]
    >(
      `select status, payment_id, (pay_claim is not null and pay_claimed_until > now()) as pay_claim_live
         from checkout_sessions where id = ? for no key update`,
      [id],
    );
    if (!row) throw new NotFoundError('checkout session', id);
    return row;
  }

  /**
   * Claims the right to make the session's next payment, under its row lock: only while the session
   * is open, still has the payment the pay saw (`moved_on` if not), and no other pay holds the claim
   * (`taken`). The session's coupon is redeemed for it then, if it was not yet. The claim is
   * dropped when the payment is recorded, and lapses after CLAIM_SECONDS should its pay die.
   */
  async function claimForPay(id: string, expected: string | null): Promise<string | 'taken' | 'moved_on'> {
    return db.fork().transactional(async (tx) => {
      const row = await lockedRow(tx, id);
      if (row.status !== 'open')
        throw new ConflictError(`checkout_session_${row.status}`, `This checkout session is ${row.status}.`);
      if (row.payment_id !== expected) return 'moved_on';
      if (row.pay_claim_live) return 'taken';
      await redeemSessionCoupon(tx, id);
      const claim = randomUUID();
      await tx.execute(
        `update checkout_sessions set pay_claim = ?, pay_claimed_until = now() + make_interval(secs => ?) where id = ?`,
        [claim, CLAIM_SECONDS, id],
      );
      return claim;
    });
  }

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
