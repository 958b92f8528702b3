import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { PaymentRecord } from '../domain/payment';
import { toPaymentObject } from '../domain/payment-object';
import type { RefundRecord } from '../domain/refund';
import { adminScopeShape } from './admin-filters';
import { toAdminRefundObject, type AdminRefundsService } from './admin-refunds.service';
import { listObject } from './pagination';
import { paymentFilterShape, refineRanges, toPaymentFilters } from './payment-filters';
import { toPaymentTimelineObject } from './payment-timeline';
import type { PaymentTimelineService } from './payment-timeline.service';
import type { ListPaymentsParams, PaymentsService } from './payments.service';
import { refineCreatedRange, refundFilterShape, refundId, refundParamsOf } from './refunds.routes';
import type { RefundsService } from './refunds.service';
import { sendJson } from './respond';
import { listQuerySchema, parse, pathId, text } from './validation';

// Transactions across merchants: the merchant console's lists, filters and timeline, with whose
// each one is (`merchant`), and for refunds how they are being handled (the stuck refunds queue).

export const adminListPaymentsSchema = z
  .strictObject({ ...listQuerySchema, ...paymentFilterShape, ...adminScopeShape })
  .superRefine(refineRanges);

export const adminListRefundsSchema = z
  .strictObject({
    ...refundFilterShape,
    ...adminScopeShape,
    q: text().min(1).max(128).optional().meta({
      description: "Exact match of the refund's id, out_refund_no or payment id.",
    }),
  })
  .superRefine(refineCreatedRange);

function adminPaymentParams(query: unknown): ListPaymentsParams {
  const { limit, starting_after, merchant, livemode, ...fields } = parse(adminListPaymentsSchema, query, 'query');
  return { limit, starting_after, merchant, livemode, filters: toPaymentFilters(fields) };
}

/** A payment as admins see it: the merchant's object and whose it is. */
export function toAdminPaymentObject(payment: PaymentRecord) {
  return { ...toPaymentObject(payment), merchant: payment.merchantId };
}

const paymentId = (req: Request): string => pathId(req, 'pay', 'payment');

export function adminTransactionsRoutes(
  payments: PaymentsService,
  timelines: PaymentTimelineService,
  refunds: RefundsService,
  adminRefunds: AdminRefundsService,
): Router {
  const router = Router();

  const withHandling = async (rows: RefundRecord[]) => {
    const handling = await adminRefunds.handling(rows.map((refund) => refund.id));
    const now = new Date();
    return rows.map((refund) => toAdminRefundObject(refund, handling.get(refund.id), now));
  };

  router.get('/payments', async (req: Request, res: Response) => {
    const { data, hasMore } = await payments.list(null, adminPaymentParams(req.query));
    await sendJson(req, res, 200, listObject('/v1/admin/payments', data.map(toAdminPaymentObject), hasMore));
  });

  // The payment with its timeline: the console's payment page, for any merchant's payment.
  router.get('/payments/:id', async (req: Request, res: Response) => {
    const payment = await payments.find(null, paymentId(req));
    const timeline = await timelines.timeline({ id: payment.merchantId, livemode: payment.livemode }, payment.id);
    await sendJson(req, res, 200, { ...toPaymentTimelineObject(timeline), merchant: payment.merchantId });
  });

  router.get('/refunds', async (req: Request, res: Response) => {
    const { merchant, livemode, q, ...rest } = parse(adminListRefundsSchema, req.query, 'query');
    const { data, hasMore } = await refunds.list(null, { ...refundParamsOf(rest), merchant, livemode, q });
    await sendJson(req, res, 200, listObject('/v1/admin/refunds', await withHandling(data), hasMore));
  });

  router.get('/refunds/:id', async (req: Request, res: Response) => {
    const [refund] = await withHandling([await refunds.find(null, refundId(req))]);
    await sendJson(req, res, 200, refund);
  });

  return router;
}
