import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { PROVIDERS } from '../domain/payment';
import { adminScopeShape, assertRange, numericPathId, rangeShape } from './admin-filters';
import type { AdminNotificationsService, ProviderNotificationRow } from './admin-notifications.service';
import type { NotificationOutcome } from './notifications.service';
import { listObject } from './pagination';
import { sendJson } from './respond';
import { listQuerySchema, parse, text } from './validation';

/** Every outcome a notification is recorded with (the keys make the compiler hold the list to the type). */
const OUTCOMES: Record<NotificationOutcome, true> = {
  signaled: true,
  refused: true,
  unknown_order: true,
  late: true,
  late_payment_refunded: true,
  canceled_refund_reopened: true,
};
export const NOTIFICATION_OUTCOMES = Object.keys(OUTCOMES) as [NotificationOutcome, ...NotificationOutcome[]];

export const listNotificationsSchema = z.strictObject({
  limit: listQuerySchema.limit,
  starting_after: text()
    .regex(/^\d{1,18}$/, 'must be a provider notification id')
    .optional(),
  provider: z.enum(PROVIDERS).optional(),
  outcome: z.enum(NOTIFICATION_OUTCOMES).optional(),
  merchant: adminScopeShape.merchant,
  provider_account: text()
    .regex(/^pa_[0-9A-Za-z]{1,64}$/, 'must be a provider account id (pa_…)')
    .optional(),
  payment: text()
    .regex(/^pay_[0-9A-Za-z]{1,64}$/, 'must be a payment id (pay_…)')
    .optional(),
  ...rangeShape('received'),
});

const iso = (date: Date) => new Date(date).toISOString();

/**
 * A notification as admins read it: what it named, what became of it and why (`outcome`,
 * `reason`: the verification's verdict), and its body's digest. The body itself only on the single
 * read: it is what the provider posted (signed form fields or WeChat Pay's encrypted resource),
 * which holds no credential of ours; a refused one is kept to its first 2 KB.
 */
export function toProviderNotificationObject(row: ProviderNotificationRow) {
  return {
    id: row.id,
    object: 'provider_notification' as const,
    provider: row.provider,
    provider_account: row.provider_account_id,
    merchant: row.merchant_id,
    out_trade_no: row.out_trade_no,
    out_refund_no: row.out_refund_no,
    payment: row.payment_id,
    outcome: row.outcome,
    reason: row.reason,
    body_sha256: row.body_sha256,
    body_bytes: row.body_bytes === null ? null : Number(row.body_bytes),
    received_at: iso(row.received_at),
    ...(row.body !== undefined ? { body: row.body } : {}),
  };
}

/** `GET /v1/admin/provider_notifications[/:id]`: the log of what providers sent, and what became of it. */
export function adminNotificationsRoutes(notifications: AdminNotificationsService): Router {
  const router = Router();

  router.get('/provider_notifications', async (req: Request, res: Response) => {
    const query = parse(listNotificationsSchema, req.query, 'query');
    assertRange(query, 'received');
    const { data, hasMore } = await notifications.list(query);
    await sendJson(
      req,
      res,
      200,
      listObject('/v1/admin/provider_notifications', data.map(toProviderNotificationObject), hasMore),
    );
  });

  router.get('/provider_notifications/:id', async (req: Request, res: Response) => {
    const row = await notifications.find(numericPathId(req.params.id, 'provider notification'));
    await sendJson(req, res, 200, toProviderNotificationObject(row));
  });

  return router;
}
