import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { merchantOf } from './request-context';
import { listObject } from './pagination';
import { sendJson } from './respond';
import { InvalidRequestError } from './errors';
import { listQuerySchema, parse, pathId, text } from './validation';
import { couponObject, taxRateObject, type PricingService } from './pricing.service';

const COUPON_CODE = /^[0-9A-Za-z_-]{1,40}$/;

/** At most 4 decimal places, as the totals are computed exactly. */
const percentage = z
  .number()
  .min(0)
  .max(100)
  .refine((value) => Math.abs(Math.round(value * 10_000) - value * 10_000) < 1e-6, 'at most 4 decimal places');

export const createTaxRateSchema = z.strictObject({
  display_name: text().trim().min(1).max(50),
  percentage,
  inclusive: z.boolean(),
});

export const createCouponSchema = z
  .strictObject({
    code: text().min(1).max(40).regex(COUPON_CODE, 'letters, digits, _ and - only'),
    percent_off: z
      .number()
      .gt(0)
      .max(100)
      .refine((value) => Math.abs(Math.round(value * 100) - value * 100) < 1e-6, 'at most 2 decimal places')
      .optional(),
    amount_off: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    currency: z.literal('CNY').optional(),
    max_redemptions: z.number().int().positive().max(1_000_000_000).optional(),
    expires_at: z.iso.datetime({ offset: true }).optional(),
  })
  .superRefine((value, ctx) => {
    if ((value.percent_off === undefined) === (value.amount_off === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [value.percent_off === undefined ? 'percent_off' : 'amount_off'],
        message: 'give exactly one of percent_off and amount_off',
      });
    }
    if (value.expires_at && Date.parse(value.expires_at) <= Date.now())
      ctx.addIssue({ code: 'custom', path: ['expires_at'], message: 'must be in the future' });
  });

export const listSchema = z.strictObject({ limit: listQuerySchema.limit });

/** Archiving (`active: false`) keeps the object for the sessions that used it; new ones cannot. */
const activeField = z.boolean().optional().describe('false archives it: new checkout sessions cannot use it.');
export const updateTaxRateSchema = z.strictObject({ active: activeField });
export const updateCouponSchema = z.strictObject({ active: activeField });

const taxRateId = (req: Request) => pathId(req, 'txr', 'tax rate');
const couponCode = (req: Request): string => {
  const code = String(req.params.code);
  if (!COUPON_CODE.test(code))
    throw new InvalidRequestError('parameter_invalid', `Invalid coupon code: '${code}'`, 'code');
  return code;
};

export function pricingRoutes(pricing: PricingService): Router {
  const router = Router();

  router.post('/tax_rates', async (req: Request, res: Response) => {
    const merchant = merchantOf(req);
    await sendJson(
      req,
      res,
      201,
      taxRateObject(await pricing.createTaxRate(merchant, parse(createTaxRateSchema, req.body)), merchant.livemode),
    );
  });

  router.get('/tax_rates', async (req: Request, res: Response) => {
    const merchant = merchantOf(req);
    const rates = await pricing.listTaxRates(merchant, parse(listSchema, req.query, 'query').limit);
    await sendJson(
      req,
      res,
      200,
      listObject(
        '/v1/tax_rates',
        rates.map((rate) => taxRateObject(rate, merchant.livemode)),
        false,
      ),
    );
  });

  router.post('/coupons', async (req: Request, res: Response) => {
    const merchant = merchantOf(req);
    await sendJson(
      req,
      res,
      201,
      couponObject(await pricing.createCoupon(merchant, parse(createCouponSchema, req.body)), merchant.livemode),
    );
  });

  router.post('/tax_rates/:id', async (req: Request, res: Response) => {
    const merchant = merchantOf(req);
    const id = taxRateId(req);
    const { active } = parse(updateTaxRateSchema, req.body);
    await sendJson(
      req,
      res,
      200,
      taxRateObject(await pricing.setTaxRateActive(merchant, id, active), merchant.livemode),
    );
  });

  router.post('/coupons/:code', async (req: Request, res: Response) => {
    const merchant = merchantOf(req);
    const code = couponCode(req);
    const { active } = parse(updateCouponSchema, req.body);
    await sendJson(
      req,
      res,
      200,
      couponObject(await pricing.setCouponActive(merchant, code, active), merchant.livemode),
    );
  });

  router.get('/coupons', async (req: Request, res: Response) => {
    const merchant = merchantOf(req);
    const coupons = await pricing.listCoupons(merchant, parse(listSchema, req.query, 'query').limit);
    await sendJson(
      req,
      res,
      200,
      listObject(
        '/v1/coupons',
        coupons.map((coupon) => couponObject(coupon, merchant.livemode)),
        false,
      ),
    );
  });

  return router;
}
