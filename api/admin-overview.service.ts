import type { Channel, ProviderName } from '../domain/payment';
import type { ApiDeps } from './deps';
import { overviewStart, type OverviewDays } from './reports.service';

/**
 * How far back the overview's notification and message counters look: a week, whatever the
 * period of the volume figures, so that a problem of last weekend still shows on Monday.
 */
export const COUNTER_WINDOW_DAYS = 7;
/** A webhook endpoint is failing when every attempt to it failed over this many hours (and there was one). */
export const WEBHOOK_FAILING_HOURS = 24;
/** A workflow is stuck when one of its activities has been failing for this long (GET /v1/admin/stuck). */
export const STUCK_AFTER_SECONDS = 3600;

/** Payments of one group of the period: how many ended how, and how much money. */
export interface VolumeRow {
  provider: ProviderName | null;
  channel: Channel | null;
  currency: string;
  count: number;
  succeeded: number;
  failed: number;
  expired: number;
  canceled: number;
  /** Minor units, of every payment of the group and of the succeeded ones. */
  amount: number;
  succeeded_amount: number;
}

export interface AdminCounters {
  refunds_requires_attention: number;
  notifications_refused: number;
  notifications_unknown_order: number;
  notifications_late: number;
  discrepancies_open: number;
  webhook_endpoints_failing: number;
  workflows_stuck: number;
  messages_failed: number;
}

export interface AdminOverview {
  days: OverviewDays;
  start: Date;
  end: Date;
  livemode: boolean | null;
  /** One row per (provider, channel, currency), per (provider, currency) and per currency. */
  volume: VolumeRow[];
  counters: AdminCounters;
  /** Since when the windowed counters count. */
  counterSince: Date;
  webhookSince: Date;
  stuckBefore: Date;
}

// One scan of the period's payments (payments_created: created_at desc), grouped three ways at once.
// bigint sums come as text: a platform's volume may pass 2^53 fen only in theory, but text is exact.
const VOLUME_SQL = `
select provider, channel, currency, count(*)::int as count,
  (count(*) filter (where status = 'succeeded'))::int as succeeded,
  (count(*) filter (where status = 'failed'))::int as failed,
  (count(*) filter (where status = 'expired'))::int as expired,
  (count(*) filter (where status = 'canceled'))::int as canceled,
  sum(amount)::text as amount,
  coalesce(sum(amount) filter (where status = 'succeeded'), 0)::text as succeeded_amount
from payments
where created_at >= ?::timestamptz and (?::boolean is null or livemode = ?::boolean)
group by grouping sets ((provider, channel, currency), (provider, currency), (currency))
order by currency, provider nulls first, channel nulls first`;

/**
 * The counters, each a count over an index (migrations/…_admin_operations.ts), in one round trip:
 * refunds by (status, created_at); notifications by (outcome, received_at); open discrepancies by
 * their partial index; webhook attempts by (at), the last 24 hours only; stuck activities are few
 * (a row per activity failing now); failed messages by their partial index.
 */
const COUNTERS_SQL = `
select
  (select count(*) from refunds where status = 'requires_attention')::int as refunds_requires_attention,
  (select count(*) from provider_notifications where outcome = 'refused' and received_at >= ?::timestamptz)::int as notifications_refused,
  (select count(*) from provider_notifications where outcome = 'unknown_order' and received_at >= ?::timestamptz)::int as notifications_unknown_order,
  (select count(*) from provider_notifications where outcome = 'late' and received_at >= ?::timestamptz)::int as notifications_late,
  (select count(*) from reconciliation_discrepancies where resolved_at is null)::int as discrepancies_open,
  (select count(*) from (${failingEndpointsSql('webhook_endpoint_id')}) failing)::int as webhook_endpoints_failing,
  (select count(distinct workflow_id) from stuck_activities where first_failed_at <= ?::timestamptz)::int as workflows_stuck,
  (select count(*) from messages where status = 'failed' and created_at >= ?::timestamptz)::int as messages_failed`;

/**
 * The endpoints (not deleted) that were attempted since the parameter and never answered 2xx:
 * `columns` of their attempts, grouped by endpoint.
 */
export function failingEndpointsSql(columns: string): string {
  return `select ${columns} from webhook_attempts a
    where a.at >= ?::timestamptz
      and a.webhook_endpoint_id in (select id from webhook_endpoints where deleted_at is null)
    group by a.webhook_endpoint_id
    having bool_and(a.status_code is null or a.status_code not between 200 and 299)`;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The admin console's overview: the platform's payments of the period, and what waits for an admin. */
export function createAdminOverviewService(deps: ApiDeps) {
  return {
    async overview(days: OverviewDays, livemode: boolean | null, now = new Date()): Promise<AdminOverview> {
      const start = overviewStart(days, now);
      const counterSince = new Date(now.getTime() - COUNTER_WINDOW_DAYS * DAY_MS);
      const webhookSince = new Date(now.getTime() - WEBHOOK_FAILING_HOURS * HOUR_MS);
      const stuckBefore = new Date(now.getTime() - STUCK_AFTER_SECONDS * 1000);
      const [volume, [counters]] = await Promise.all([
        deps.db
          .fork()
          .execute<(Omit<VolumeRow, 'amount' | 'succeeded_amount'> & { amount: string; succeeded_amount: string })[]>(
            VOLUME_SQL,
            [start.toISOString(), livemode, livemode],
          ),
        deps.db
          .fork()
          .execute<AdminCounters[]>(COUNTERS_SQL, [
            counterSince,
            counterSince,
            counterSince,
            webhookSince,
            stuckBefore,
            counterSince,
          ]),
      ]);
      return {
        days,
        start,
        end: now,
        livemode,
        volume: volume.map((row) => ({
          ...row,
          amount: Number(row.amount),
          succeeded_amount: Number(row.succeeded_amount),
        })),
        counters,
        counterSince,
        webhookSince,
        stuckBefore,
      };
    },

    /** The webhook endpoints failing for a day: the overview counter's queue. */
    async failingWebhookEndpoints(now = new Date()): Promise<FailingEndpointRow[]> {
      const since = new Date(now.getTime() - WEBHOOK_FAILING_HOURS * HOUR_MS);
      return deps.db.fork().execute<FailingEndpointRow[]>(
        `select f.*, e.merchant_id, e.livemode, e.url from (${failingEndpointsSql(
          `a.webhook_endpoint_id, count(*)::int as attempts, min(a.at) as first_attempt_at, max(a.at) as last_attempt_at,
           (array_agg(a.status_code order by a.at desc))[1] as last_status_code, (array_agg(a.error order by a.at desc))[1] as last_error`,
        )}) f join webhook_endpoints e on e.id = f.webhook_endpoint_id order by f.last_attempt_at desc limit 100`,
        [since],
      );
    },
  };
}

export interface FailingEndpointRow {
  webhook_endpoint_id: string;
  merchant_id: string;
  livemode: boolean;
  url: string;
  attempts: number;
  first_attempt_at: Date;
  last_attempt_at: Date;
  last_status_code: number | null;
  last_error: string | null;
}

export type AdminOverviewService = ReturnType<typeof createAdminOverviewService>;
