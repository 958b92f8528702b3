import { chinaDate, chinaDayBounds } from '../domain/china-time';
import type { Channel, ProviderName } from '../domain/payment';
import type { ApiDeps } from './deps';
import type { Merchant } from './payments.service';

/** The periods the overview covers: the last 24 hours by hour, or the last 7 or 30 China days by day. */
export const OVERVIEW_DAYS = [1, 7, 30] as const;
export type OverviewDays = (typeof OVERVIEW_DAYS)[number];

const HOUR_S = 3600;
const DAY_S = 86_400;

/** The counts every group of the overview has; `closed_count` are the failed, expired and canceled ones. */
export interface OverviewCounts {
  count: number;
  succeeded_count: number;
  closed_count: number;
  gross_volume: number;
}

export interface Overview {
  days: OverviewDays;
  interval: 'hour' | 'day';
  start: Date;
  end: Date;
  totals: OverviewCounts;
  byChannel: (OverviewCounts & { channel: Channel })[];
  byProvider: (OverviewCounts & { provider: ProviderName })[];
  refunds: { count: number; amount: number };
  series: (OverviewCounts & { at: string; refunded_amount: number })[];
}

/**
 * Where the period begins: the hour 23 hours before this one (24 buckets with this one), or
 * midnight in China of the day `days - 1` days before today (China has no daylight saving, so
 * every bucket is 24 hours long and the buckets line up with the providers' business days).
 */
export function overviewStart(days: OverviewDays, now: Date): Date {
  if (days === 1) return new Date(Math.floor(now.getTime() / (HOUR_S * 1000)) * HOUR_S * 1000 - 23 * HOUR_S * 1000);
  return new Date(chinaDayBounds(chinaDate(now)).start.getTime() - (days - 1) * DAY_S * 1000);
}

// One statement: the period's payments and refunds are read once (two CTEs) and every figure is an
// aggregate of them; PostgreSQL returns the whole overview as JSON. `bucket` is the payment's
// hour or day from the start, so that the series needs no time zone arithmetic.
const COUNTS = `count(*)::int as count,
  (count(*) filter (where status = 'succeeded'))::int as succeeded_count,
  (count(*) filter (where status in ('failed', 'expired', 'canceled')))::int as closed_count,
  coalesce(sum(amount) filter (where status = 'succeeded'), 0)::float8 as gross_volume`;

const OVERVIEW_SQL = `
with p as (
  select status, channel, provider, amount, floor(extract(epoch from created_at - ?::timestamptz) / ?::int)::int as bucket
    from payments where merchant_id = ? and livemode = ? and created_at >= ?::timestamptz
), r as (
  select amount, floor(extract(epoch from created_at - ?::timestamptz) / ?::int)::int as bucket
    from refunds where merchant_id = ? and livemode = ? and created_at >= ?::timestamptz and status not in ('failed', 'canceled')
)
select
  (select row_to_json(t) from (select ${COUNTS} from p) t) as totals,
  (select coalesce(json_agg(t order by t.channel), '[]') from (select channel, ${COUNTS} from p group by channel) t) as by_channel,
  (select coalesce(json_agg(t order by t.provider), '[]') from (select provider, ${COUNTS} from p group by provider) t) as by_provider,
  (select json_build_object('count', count(*)::int, 'amount', coalesce(sum(amount), 0)::float8) from r) as refunds,
  (select json_agg(json_build_object(
      'bucket', b, 'count', coalesce(pb.count, 0), 'succeeded_count', coalesce(pb.succeeded_count, 0),
      'closed_count', coalesce(pb.closed_count, 0), 'gross_volume', coalesce(pb.gross_volume, 0),
      'refunded_amount', coalesce(rb.amount, 0)) order by b)
     from generate_series(0, ?::int - 1) b
     left join (select bucket, ${COUNTS} from p group by bucket) pb on pb.bucket = b
     left join (select bucket, sum(amount)::float8 as amount from r group by bucket) rb on rb.bucket = b) as series`;

interface OverviewRow {
  totals: OverviewCounts;
  by_channel: (OverviewCounts & { channel: Channel })[];
  by_provider: (OverviewCounts & { provider: ProviderName })[];
  refunds: { count: number; amount: number };
  series: (OverviewCounts & { bucket: number; refunded_amount: number })[];
}

export function createReportsService(deps: ApiDeps) {
  return {
    /** The caller's payments and refunds of the period, in its mode only, in one query. */
    async overview(merchant: Merchant, days: OverviewDays, now = new Date()): Promise<Overview> {
      const start = overviewStart(days, now);
      const step = days === 1 ? HOUR_S : DAY_S;
      const buckets = days === 1 ? 24 : days;
      const scope = [start.toISOString(), step, merchant.id, merchant.livemode, start.toISOString()];
      const [row] = await deps.db.fork().execute<OverviewRow[]>(OVERVIEW_SQL, [...scope, ...scope, buckets]);
      return {
        days,
        interval: days === 1 ? 'hour' : 'day',
        start,
        end: now,
        totals: row.totals,
        byChannel: row.by_channel,
        byProvider: row.by_provider,
        refunds: row.refunds,
        series: row.series.map(({ bucket, ...counts }) => ({
          ...counts,
          at: new Date(start.getTime() + bucket * step * 1000).toISOString(),
        })),
      };
    },
  };
}

export type ReportsService = ReturnType<typeof createReportsService>;
