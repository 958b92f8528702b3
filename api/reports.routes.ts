import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { merchantOf } from './request-context';
import { sendJson } from './respond';
import { parse } from './validation';
import type { Overview, OverviewCounts, ReportsService } from './reports.service';

export const overviewQuerySchema = z.strictObject({
  days: z
    .enum(['1', '7', '30'])
    .default('7')
    .meta({ description: '1: the last 24 hours by hour; 7 or 30: the last 7 or 30 days (China time) by day.' }),
});

/**
 * succeeded / (succeeded + failed + expired + canceled): of the payments that ended, the share
 * that was paid. Payments still open (requires_action, processing) are left out: they have not
 * ended either way. null when none ended.
 */
export function successRate(counts: Pick<OverviewCounts, 'succeeded_count' | 'closed_count'>): number | null {
  const ended = counts.succeeded_count + counts.closed_count;
  return ended === 0 ? null : Math.round((counts.succeeded_count / ended) * 10_000) / 10_000;
}

const withRate = <T extends OverviewCounts>(counts: T) => ({ ...counts, success_rate: successRate(counts) });

export function overviewObject(overview: Overview, livemode: boolean) {
  return {
    object: 'report_overview' as const,
    livemode,
    days: overview.days,
    interval: overview.interval,
    timezone: 'Asia/Shanghai' as const,
    start: overview.start.toISOString(),
    end: overview.end.toISOString(),
    currency: 'CNY' as const,
    ...withRate(overview.totals),
    by_channel: overview.byChannel.map(withRate),
    by_provider: overview.byProvider.map(withRate),
    refunds: overview.refunds,
    series: overview.series.map(withRate),
  };
}

export function reportsRoutes(reports: ReportsService): Router {
  const router = Router();

  router.get('/reports/overview', async (req: Request, res: Response) => {
    const { days } = parse(overviewQuerySchema, req.query, 'query');
    const merchant = merchantOf(req);
    const overview = await reports.overview(merchant, Number(days) as 1 | 7 | 30);
    await sendJson(req, res, 200, overviewObject(overview, merchant.livemode));
  });

  return router;
}
