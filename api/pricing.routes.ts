import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { merchantOf } from './request-context';
import { listObject } from './pagination';
import { sendJson } from './respond';
import { listQuerySchema, parse, text } from './validation';
import { couponObject, taxRateObject, type PricingService } from './pricing.service';

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
    code: text()
      .min(1)
      .max(40)
      .regex(/^[0-9A-Za-z_-]+$/, 'letters, digits, _ and - only'),
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
