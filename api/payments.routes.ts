import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { CHANNELS, PAYMENT_STATUSES } from '../domain/payment';
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
import type { PaymentsService } from './payments.service';

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

export const listPaymentsSchema = z.strictObject({
  ...listQuerySchema,
  status: z.enum(PAYMENT_STATUSES).optional(),
  channel: z.enum(CHANNELS).optional(),
  merchant_order_no: text().max(64).optional(),
  'created[gte]': z.iso.datetime({ offset: true }).optional(),
  'created[lte]': z.iso.datetime({ offset: true }).optional(),
});

export function listParams(query: unknown) {
  const parsed = parse(listPaymentsSchema, query, 'query');
  return {
    limit: parsed.limit,
    starting_after: parsed.starting_after,
    status: parsed.status,
    channel: parsed.channel,
    merchant_order_no: parsed.merchant_order_no,
    created_gte: parsed['created[gte]'] ? new Date(parsed['created[gte]']) : undefined,
    created_lte: parsed['created[lte]'] ? new Date(parsed['created[lte]']) : undefined,
  };
}

const paymentId = (req: Request): string => pathId(req, 'pay', 'payment');

export function paymentsRoutes(payments: PaymentsService): Router {
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

  router.post('/payments/:id/cancel', async (req: Request, res: Response) => {
    await sendJson(req, res, 200, toPaymentObject(await payments.cancel(merchantOf(req), paymentId(req))));
  });

  return router;
}
