import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { REFUND_STATUSES, toRefundObject } from '../domain/refund';
import { contextOf, merchantOf } from './request-context';
import { listObject } from './pagination';
import { sendJson } from './respond';
import { listQuerySchema, metadataSchema, parse, text, pathId } from './validation';
import type { ListRefundsParams, RefundsService } from './refunds.service';
import { instant } from './payment-filters';

export const createRefundSchema = z.strictObject({
  payment: text().regex(/^pay_[0-9A-Za-z]{1,64}$/, 'must be a payment id (pay_…)'),
  amount: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  reason: text('free_text').min(1).max(256).optional(),
  metadata: metadataSchema.default({}),
});

/** The refunds list's filters; the admin list adds its own (api/admin-transactions.routes.ts). */
export const refundFilterShape = {
  ...listQuerySchema,
  payment: text()
    .regex(/^pay_[0-9A-Za-z]{1,64}$/, 'must be a payment id (pay_…)')
    .optional(),
  status: z.enum(REFUND_STATUSES).optional(),
  'created[gte]': instant.optional(),
  'created[lte]': instant.optional(),
};

/** Refuses an empty `created` range by naming its upper bound. */
export function refineCreatedRange(value: { 'created[gte]'?: string; 'created[lte]'?: string }, ctx: z.RefinementCtx) {
  if (value['created[gte]'] && value['created[lte]'] && value['created[gte]'] > value['created[lte]'])
    ctx.addIssue({ code: 'custom', path: ['created[lte]'], message: 'must not be before created[gte]' });
}

export const listRefundsSchema = z.strictObject(refundFilterShape).superRefine(refineCreatedRange);

export function refundListParams(query: unknown): ListRefundsParams {
  const parsed = parse(listRefundsSchema, query, 'query');
  return refundParamsOf(parsed);
}

/** The parsed list query as the service's parameters. */
export function refundParamsOf(parsed: z.infer<typeof listRefundsSchema>): ListRefundsParams {
  return {
    limit: parsed.limit,
    starting_after: parsed.starting_after,
    payment: parsed.payment,
    status: parsed.status,
    createdGte: parsed['created[gte]'],
    createdLte: parsed['created[lte]'],
  };
}

export const refundId = (req: Request): string => pathId(req, 're', 'refund');

export function refundsRoutes(refunds: RefundsService): Router {
  const router = Router();

  router.post('/refunds', async (req: Request, res: Response) => {
    const params = parse(createRefundSchema, req.body);
    const refund = await refunds.create(merchantOf(req), params, contextOf(req).idempotency);
    await sendJson(req, res, 201, toRefundObject(refund));
  });

  router.get('/refunds', async (req: Request, res: Response) => {
    const { data, hasMore } = await refunds.list(merchantOf(req), refundListParams(req.query));
    await sendJson(req, res, 200, listObject('/v1/refunds', data.map(toRefundObject), hasMore));
  });

  router.get('/refunds/:id', async (req: Request, res: Response) => {
    await sendJson(req, res, 200, toRefundObject(await refunds.find(merchantOf(req), refundId(req))));
  });

  return router;
}
