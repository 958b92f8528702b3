import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { CHANNELS } from '../domain/payment';
import { toPaymentObject } from '../domain/payment-object';
import { contextOf, merchantOf } from './request-context';
import { listObject } from './pagination';
import { sendJson } from './respond';
import {
  customerIdSchema,
  listQuerySchema,
  metadataSchema,
  parse,
  text,
  withoutControlCharacters,
  pathId,
} from './validation';
import type { ListPaymentsParams, PaymentsService } from './payments.service';
import type { PaymentTimelineService } from './payment-timeline.service';
import { toPaymentTimelineObject } from './payment-timeline';
import { paymentFilterShape, refineRanges, toPaymentFilters } from './payment-filters';

export const createPaymentSchema = z
  .strictObject({
    amount: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    currency: z.literal('CNY'),
    channel: z.enum(CHANNELS),
    description: text().min(1).max(128),
    merchant_order_no: text()
      .min(1)
      .max(64)
      .regex(/^[0-9A-Za-z_\-|*.]+$/, 'letters, digits and _-|*. only')
      .optional(),
    customer: customerIdSchema.optional(),
    return_url: withoutControlCharacters(z.url({ protocol: /^https?$/ }))
      .max(1024)
      .optional(),
    expires_in: z.number().int().min(60).max(86_400).default(900),
    openid: text().min(1).max(128).optional(),
    client_ip: z.union([z.ipv4(), z.ipv6()]).optional(),
    metadata: metadataSchema.default({}),
  })
  .superRefine((value, ctx) => {
    if (value.channel === 'wechat_jsapi' && !value.openid)
      ctx.addIssue({ code: 'custom', path: ['openid'], message: 'required for wechat_jsapi' });
    if (value.channel === 'wechat_h5' && !value.client_ip)
      ctx.addIssue({ code: 'custom', path: ['client_ip'], message: 'required for wechat_h5' });
  });

export const listPaymentsSchema = z
  .strictObject({ ...listQuerySchema, ...paymentFilterShape })
  .superRefine(refineRanges);

export function listParams(query: unknown): ListPaymentsParams {
  const { limit, starting_after, ...fields } = parse(listPaymentsSchema, query, 'query');
  return { limit, starting_after, filters: toPaymentFilters(fields) };
}

const paymentId = (req: Request): string => pathId(req, 'pay', 'payment');

export function paymentsRoutes(payments: PaymentsService, timelines: PaymentTimelineService): Router {
  const router = Router();

  router.post('/payments', async (req: Request, res: Response) => {
    const params = parse(createPaymentSchema, req.body);
    const payment = await payments.create(merchantOf(req), params, null, contextOf(req).idempotency);
    await sendJson(req, res, 201, toPaymentObject(payment));
  });

  router.get('/payments', async (req: Request, res: Response) => {
    const { data, hasMore } = await payments.list(merchantOf(req), listParams(req.query));
    await sendJson(req, res, 200, listObject('/v1/payments', data.map(toPaymentObject), hasMore));
  });

  router.get('/payments/:id', async (req: Request, res: Response) => {
    await sendJson(req, res, 200, toPaymentObject(await payments.find(merchantOf(req), paymentId(req))));
  });

  // Everything the console's payment page shows, in one request.
  router.get('/payments/:id/timeline', async (req: Request, res: Response) => {
    const timeline = await timelines.timeline(merchantOf(req), paymentId(req));
    await sendJson(req, res, 200, toPaymentTimelineObject(timeline));
  });

  router.post('/payments/:id/cancel', async (req: Request, res: Response) => {
    await sendJson(req, res, 200, toPaymentObject(await payments.cancel(merchantOf(req), paymentId(req))));
  });

  return router;
}
