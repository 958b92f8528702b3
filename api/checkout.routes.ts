import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { CHANNELS } from '../domain/payment';
import type { VerifiedDetails } from '../domain/checkout-details';
import { CHECKOUT_LOCALES, CHECKOUT_SESSION_STATUSES, type SessionPayment } from '../domain/checkout-session';
import type { CheckoutService } from './checkout.service';
import type { CheckoutSession, PublicSession } from './checkout-shapes';
import type { ListCheckoutSessions } from './checkout-list';
import { PUBLIC_RATE_LIMITS, RateLimiter, clientIp, rateLimited } from './rate-limit';
import { merchantOf } from './request-context';
import { InvalidRequestError } from './errors';
import { sendJson } from './respond';
import { customerIdSchema, listQuerySchema, parse, text, withoutControlCharacters, pathId } from './validation';
import { listObject } from './pagination';
import { customerEmailSchema, customerPhoneSchema } from './customers.routes';
import type { VerificationStarted } from './checkout-details.service';

const httpUrl = withoutControlCharacters(z.url({ protocol: /^https?$/ })).max(2048);

export const createSessionSchema = z.strictObject({
  currency: z.literal('CNY'),
  line_items: z
    .array(
      z.strictObject({
        name: text().trim().min(1).max(200),
        quantity: z.number().int().min(1).max(9999),
        unit_amount: z.number().int().min(0).max(99_999_999_99),
        tax_rate: text()
          .regex(/^txr_[0-9A-Za-z]{1,64}$/, 'must be a tax rate id (txr_…)')
          .optional(),
      }),
    )
    .min(1)
    .max(100),
  // One coupon per session, as Stripe Checkout allows.
  discounts: z
    .array(z.strictObject({ coupon: text().min(1).max(40) }))
    .max(1)
    .optional(),
  allowed_channels: z.array(z.enum(CHANNELS)).min(1).max(CHANNELS.length).optional(),
  customer: customerIdSchema.optional(),
  locale: z
    .enum(CHECKOUT_LOCALES)
    .optional()
    .describe("The page's language; by default the account's default_locale, else zh-CN."),
  success_url: httpUrl,
  cancel_url: httpUrl,
  expires_in: z.number().int().min(1800).max(86_400).default(86_400),
  save_customer: z.enum(['optional', 'never']).default('never'),
});

export const listSessionsSchema = z.strictObject({
  ...listQuerySchema,
  status: z.enum(CHECKOUT_SESSION_STATUSES).optional(),
});

const ipAddress = z.union([z.ipv4(), z.ipv6()]);

/** The details section of the page: what the shopper typed and ticked (domain/checkout-details.ts). */
export const detailsSchema = z.strictObject({
  email: customerEmailSchema.optional(),
  phone: customerPhoneSchema.optional(),
  name: text().trim().min(1).max(256).optional(),
  receipt: z.boolean(),
  save: z.boolean(),
  verification: text()
    .regex(/^cver_[0-9A-Za-z]{1,64}$/, 'must be a customer verification id (cver_…)')
    .optional(),
  consent_text: text('free_text').trim().min(1).max(1000).optional(),
  consent_version: text().max(64).optional(),
  locale: z.enum(CHECKOUT_LOCALES),
});

export const paySchema = z
  .strictObject({
    channel: z.enum(CHANNELS),
    client_ip: ipAddress.optional(),
    // For wechat_jsapi: the code WeChat's OAuth gave the page; the API turns it into the openid.
    wechat_oauth_code: text().min(1).max(128).optional(),
    details: detailsSchema.optional(),
    // The shopper's address as the page's server saw it: recorded with a consent.
    shopper_ip: ipAddress.optional(),
  })
  .superRefine((value, ctx) => {
    // WeChat Pay's H5 order needs the shopper's IP; without it the provider would refuse the order.
    if (value.channel === 'wechat_h5' && !value.client_ip)
      ctx.addIssue({ code: 'custom', path: ['client_ip'], message: 'required for wechat_h5' });
  });

export const startVerificationSchema = z.strictObject({
  phone: customerPhoneSchema,
  locale: z.enum(CHECKOUT_LOCALES),
  // The shopper's address as the page's server saw it: sends are limited per address.
  shopper_ip: ipAddress.optional(),
});

export const verifySchema = z.strictObject({
  code: text().regex(/^\d{6}$/, 'must be the 6 digits of the code sent by SMS'),
});

const sessionId = (req: Request): string => pathId(req, 'cs', 'checkout session');

const verificationId = (req: Request): string => {
  const id = String(req.params.verification);
  if (!/^cver_[0-9A-Za-z]{1,64}$/.test(id))
    throw new InvalidRequestError('parameter_invalid', `Invalid customer verification id: '${id}'`, 'verification');
  return id;
};

export function verificationObject(started: VerificationStarted) {
  return {
    id: started.id,
    object: 'customer_verification' as const,
    status: 'pending' as const,
    masked_details: started.masked,
    expires_at: started.expiresAt.toISOString(),
  };
}

export function sessionObject(session: CheckoutSession, url: string) {
  return {
    id: session.id,
    object: 'checkout.session' as const,
    livemode: session.livemode,
    url,
    status: session.status,
    currency: session.currency,
    locale: session.locale,
    line_items: session.lineItems,
    discounts: session.discounts,
    allowed_channels: session.allowedChannels,
    customer: session.customerId,
    save_customer: session.saveCustomer,
    success_url: session.successUrl,
    cancel_url: session.cancelUrl,
    amount_subtotal: session.amountSubtotal,
    amount_discount: session.amountDiscount,
    amount_tax: session.amountTax,
    amount_total: session.amountTotal,
    payment: session.paymentId,
    expires_at: session.expiresAt.toISOString(),
    created_at: session.createdAt.toISOString(),
  };
}

/** The merchant's side: `/v1/checkout/sessions`. */
export function checkoutRoutes(checkout: CheckoutService, listSessions: ListCheckoutSessions): Router {
  const router = Router();

  router.get('/checkout/sessions', async (req: Request, res: Response) => {
    const { data, hasMore } = await listSessions(merchantOf(req), parse(listSessionsSchema, req.query, 'query'));
    const sessions = data.map((session) => sessionObject(session, checkout.urlOf(session.id)));
    await sendJson(req, res, 200, listObject('/v1/checkout/sessions', sessions, hasMore));
  });

  router.post('/checkout/sessions', async (req: Request, res: Response) => {
    const session = await checkout.create(merchantOf(req), parse(createSessionSchema, req.body));
    await sendJson(req, res, 201, sessionObject(session, checkout.urlOf(session.id)));
  });

  router.get('/checkout/sessions/:id', async (req: Request, res: Response) => {
    const session = await checkout.find(merchantOf(req), sessionId(req));
    await sendJson(req, res, 200, sessionObject(session, checkout.urlOf(session.id)));
  });

  router.post('/checkout/sessions/:id/expire', async (req: Request, res: Response) => {
    const session = await checkout.expire(merchantOf(req), sessionId(req));
    await sendJson(req, res, 200, sessionObject(session, checkout.urlOf(session.id)));
  });

  return router;
}

export function publicObject(
  { session, merchantName, suspended, branding, payment, detailsOffer }: PublicSession,
  url: string,
) {
  // livemode stays: the page shows a test-mode banner and uses the sandbox's pages in test mode.
  const { customer: _customer, save_customer: _save, ...shown } = sessionObject(session, url);
  return {
    ...shown,
    merchant: { name: merchantName, logo: branding.logo, brand_color: branding.brandColor, suspended },
    payment,
    details_offer: detailsOffer,
  };
}

/** The URL WeChat's in-app browser is sent to, to come back with the code a JSAPI payment needs. */
export function wechatOauthObject(url: string) {
  return { object: 'wechat_oauth' as const, url };
}

/** A pay's answer: the page shows the payment's next action. */
export function sessionPaymentObject(payment: SessionPayment) {
  return { payment };
}

/** The code was right: the saved details, in full, for the page to fill in. */
export function verifiedObject(details: VerifiedDetails) {
  return { object: 'customer_verification' as const, status: 'verified' as const, details };
}

/**
 * `/checkout/sessions/:id`: what the hosted page (web/) reads and does for the shopper. No key:
 * the session's id, 131 random bits, is the capability, as Stripe's client secret is. It shows
 * nothing a shopper with the link should not see (no customer, no metadata, no keys).
 */
export function checkoutPageRoutes(checkout: CheckoutService): Router {
  const router = Router();
  const perIp = new RateLimiter(PUBLIC_RATE_LIMITS.checkoutPerIp);
  const perSession = new RateLimiter(PUBLIC_RATE_LIMITS.checkoutPerSession);
  router.use(rateLimited(perIp, clientIp));
  router.use(
    '/sessions/:id',
    rateLimited(perSession, (req) => String(req.params.id)),
  );
  router.use(express.json({ limit: '16kb' }));

  router.get('/sessions/:id', async (req: Request, res: Response) => {
    const id = sessionId(req);
    await sendJson(req, res, 200, publicObject(await checkout.publicView(id), checkout.urlOf(id)));
  });

  router.get('/sessions/:id/wechat_oauth', async (req: Request, res: Response) => {
    await sendJson(req, res, 200, wechatOauthObject(await checkout.wechatOauthUrl(sessionId(req))));
  });

  router.post('/sessions/:id/payments', async (req: Request, res: Response) => {
    const params = parse(paySchema, req.body);
    // The page's server names the shopper's address; a caller that does not is counted as itself.
    const payment = await checkout.pay(sessionId(req), { ...params, shopper_ip: params.shopper_ip ?? clientIp(req) });
    await sendJson(req, res, 201, sessionPaymentObject(payment));
  });

  // A returning shopper's saved details: a code by SMS, then the details in full once it is typed.
  const lookups = new RateLimiter(PUBLIC_RATE_LIMITS.savedDetailsLookupsPerSession);
  router.post('/sessions/:id/customer_verifications', async (req: Request, res: Response) => {
    const id = sessionId(req);
    const params = parse(startVerificationSchema, req.body);
    lookups.take(id);
    const started = await checkout.startVerification(id, { ...params, shopper_ip: params.shopper_ip ?? clientIp(req) });
    await sendJson(req, res, 201, verificationObject(started));
  });

  router.post('/sessions/:id/customer_verifications/:verification/verify', async (req: Request, res: Response) => {
    const id = sessionId(req);
    const details = await checkout.verify(id, verificationId(req), parse(verifySchema, req.body).code);
    await sendJson(req, res, 200, verifiedObject(details));
  });

  return router;
}
