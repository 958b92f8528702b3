import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Channel, ProviderName } from '../domain/payment';
import { booleanQuery } from './admin-filters';
import type { AdminOverview, AdminOverviewService, FailingEndpointRow, VolumeRow } from './admin-overview.service';
import { STUCK_AFTER_SECONDS } from './admin-overview.service';
import { listObject } from './pagination';
import { sendJson } from './respond';
import { parse } from './validation';

const PERIODS = { '1d': 1, '7d': 7, '30d': 30 } as const;

export const adminOverviewQuerySchema = z.strictObject({
  period: z.enum(['1d', '7d', '30d']).default('7d').meta({
    description: 'The last 24 hours, or the last 7 or 30 China days (today included).',
  }),
  livemode: booleanQuery.optional().meta({ description: 'One mode only; both when left out.' }),
});

const iso = (date: Date) => new Date(date).toISOString();

/**
 * A group's figures: the success rate is of the payments that ended at the provider (succeeded,
 * failed, expired); canceled ones (the merchant's choice) and those still open are left out. Null
 * when none ended.
 */
function volumeObject(row: VolumeRow) {
  const ended = row.succeeded + row.failed + row.expired;
  return {
    currency: row.currency,
    count: row.count,
    succeeded: row.succeeded,
    failed: row.failed,
    expired: row.expired,
    canceled: row.canceled,
    open: row.count - ended - row.canceled,
    amount: row.amount,
    succeeded_amount: row.succeeded_amount,
    success_rate: ended === 0 ? null : Math.round((row.succeeded / ended) * 10_000) / 10_000,
  };
}

const counter = (count: number, url: string, since: Date | null = null) => ({
  count,
  since: since ? iso(since) : null,
  url,
});

export function adminOverviewObject(overview: AdminOverview, period: keyof typeof PERIODS) {
  const { counters: c, counterSince } = overview;
  const notifications = (outcome: string) =>
    `/v1/admin/provider_notifications?outcome=${outcome}&received[gte]=${encodeURIComponent(iso(counterSince))}`;
  return {
    object: 'admin_overview' as const,
    period,
    start: iso(overview.start),
    end: iso(overview.end),
    livemode: overview.livemode,
    totals: overview.volume.filter((row) => row.provider === null).map(volumeObject),
    by_provider: overview.volume
      .filter((row) => row.provider !== null && row.channel === null)
      .map((row) => ({ provider: row.provider as ProviderName, ...volumeObject(row) })),
    by_channel: overview.volume
      .filter((row) => row.channel !== null)
      .map((row) => ({
        provider: row.provider as ProviderName,
        channel: row.channel as Channel,
        ...volumeObject(row),
      })),
    counters: {
      refunds_requires_attention: counter(c.refunds_requires_attention, '/v1/admin/refunds?status=requires_attention'),
      notifications_refused: counter(c.notifications_refused, notifications('refused'), counterSince),
      notifications_unknown_order: counter(c.notifications_unknown_order, notifications('unknown_order'), counterSince),
      notifications_late: counter(c.notifications_late, notifications('late'), counterSince),
      discrepancies_open: counter(c.discrepancies_open, '/v1/admin/reconciliation_discrepancies?status=open'),
      webhook_endpoints_failing: counter(
        c.webhook_endpoints_failing,
        '/v1/admin/failing_webhook_endpoints',
        overview.webhookSince,
      ),
      workflows_stuck: counter(c.workflows_stuck, `/v1/admin/stuck?failing_for=${STUCK_AFTER_SECONDS}`),
      messages_failed: counter(c.messages_failed, '/v1/admin/messages?status=failed', counterSince),
    },
  };
}

export function failingEndpointObject(row: FailingEndpointRow) {
  return {
    object: 'failing_webhook_endpoint' as const,
    webhook_endpoint: row.webhook_endpoint_id,
    merchant: row.merchant_id,
    livemode: row.livemode,
    url: row.url,
    attempts: row.attempts,
    first_attempt_at: iso(row.first_attempt_at),
    last_attempt_at: iso(row.last_attempt_at),
    last_status_code: row.last_status_code,
    last_error: row.last_error,
  };
}

/** `GET /v1/admin/overview`, and the queue of its one counter that had none. */
export function adminOverviewRoutes(overviews: AdminOverviewService): Router {
  const router = Router();

  router.get('/overview', async (req: Request, res: Response) => {
    const query = parse(adminOverviewQuerySchema, req.query, 'query');
    const overview = await overviews.overview(PERIODS[query.period], query.livemode ?? null);
    await sendJson(req, res, 200, adminOverviewObject(overview, query.period));
  });

  // Every attempt to these failed over the last 24 hours: the merchant's server is down or refuses us.
  router.get('/failing_webhook_endpoints', async (req: Request, res: Response) => {
    parse(z.strictObject({}), req.query, 'query');
    const rows = await overviews.failingWebhookEndpoints();
    await sendJson(
      req,
      res,
      200,
      listObject('/v1/admin/failing_webhook_endpoints', rows.map(failingEndpointObject), false),
    );
  });

  return router;
}
