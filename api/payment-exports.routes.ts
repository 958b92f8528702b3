import { once } from 'node:events';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { PaymentExportRow } from '../db/entities';
import { contextOf, merchantOf } from './request-context';
import { paymentFilterShape, paymentFiltersObject, refineRanges, toPaymentFilters } from './payment-filters';
import type { PaymentExportsService } from './payment-exports.service';
import { sendJson } from './respond';
import { parse, pathId } from './validation';

/** The filters of GET /v1/payments, in a JSON body (numbers may be numbers); none exports every payment. */
export const createPaymentExportSchema = z.strictObject(paymentFilterShape).superRefine(refineRanges);

const iso = (date: Date | null): string | null => (date ? new Date(date).toISOString() : null);

export function paymentExportObject(exported: PaymentExportRow) {
  return {
    id: exported.id,
    object: 'payment_export' as const,
    livemode: exported.livemode,
    status: exported.status,
    filters: paymentFiltersObject(exported.filters),
    row_count: exported.rowCount,
    failure_reason: exported.failureReason,
    created_at: iso(exported.createdAt)!,
    completed_at: iso(exported.completedAt),
    /** Where the CSV is downloaded once ready. */
    file_url: exported.status === 'ready' ? `/v1/payment_exports/${exported.id}/file` : null,
  };
}

const exportId = (req: Request): string => pathId(req, 'pexp', 'payment export');

export function paymentExportsRoutes(paymentExports: PaymentExportsService): Router {
  const router = Router();

  router.post('/payment_exports', async (req: Request, res: Response) => {
    const fields = parse(createPaymentExportSchema, req.body ?? {});
    const exported = await paymentExports.create(merchantOf(req), toPaymentFilters(fields), contextOf(req).idempotency);
    await sendJson(req, res, 201, paymentExportObject(exported));
  });

  router.get('/payment_exports/:id', async (req: Request, res: Response) => {
    await sendJson(req, res, 200, paymentExportObject(await paymentExports.find(merchantOf(req), exportId(req))));
  });

  router.get('/payment_exports/:id/file', async (req: Request, res: Response) => {
    const exported = await paymentExports.findReady(merchantOf(req), exportId(req));
    res.status(200);
    res.type('text/csv; charset=utf-8');
    res.set('Content-Disposition', `attachment; filename="payments-${exported.id}.csv"`);
    // A byte order mark: Excel reads a CSV without one in the system's code page and garbles Chinese.
    res.write('\uFEFF');
    await paymentExports.sendFile(exported.id, async (csv) => {
      if (!res.write(csv)) await once(res, 'drain');
    });
    res.end();
  });

  return router;
}
