/**
 * The API's Prometheus metrics (`GET /metrics`, with the admin token).
 *
 * Events are counted in memory where they happen (a request answered, a provider notification
 * decided): per process, so Prometheus sums the API processes. State is read from PostgreSQL at
 * scrape time, in two small queries (stuck_activities is a few rows; the open refunds come from
 * the `refunds (status, …)` index), never per payment: gauges, the same from any API process, so
 * dashboards take their max. What the worker counts (payments, provider calls, webhooks, refunds,
 * messages) is its own `/metrics` (temporal/worker-metrics.ts).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PROVIDERS, type ProviderName } from '../domain/payment';
import type { ApiDeps } from './deps';

/** The API process's registry: the counters below, and the process's own (CPU, memory, event loop) once `main` asks. */
export const apiRegistry = new Registry();

/** The process's CPU, memory, heap and event loop lag (`process_…`, `nodejs_…`); once, by api/main.ts. */
export function collectProcessMetrics(): void {
  collectDefaultMetrics({ register: apiRegistry });
}

export const httpRequestDuration = new Histogram({
  name: 'tongbao_http_request_duration_seconds',
  help: "Requests the API answered, by method, route (the route's pattern, `unmatched` for none) and status class.",
  labelNames: ['method', 'route', 'status_class'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [apiRegistry],
});

/**
 * What became of a provider's notification: `signaled` (its workflow got it), `refused_signature`
 * (the provider's signature or account did not verify: forged or misrouted), `refused_amount`
 * (verified, but the amount is not the payment's or refund's), `late`, `late_payment_refunded`,
 * `unknown_order`, `canceled_refund_reopened` (api/notifications.service.ts), `unknown_account`
 * (no such provider account: answered 404).
 */
export const NOTIFICATION_OUTCOMES = [
  'signaled',
  'refused_signature',
  'refused_amount',
  'late',
  'late_payment_refunded',
  'unknown_order',
  'canceled_refund_reopened',
  'unknown_account',
] as const;
export type NotificationMetricOutcome = (typeof NOTIFICATION_OUTCOMES)[number];

const providerNotifications = new Counter({
  name: 'tongbao_provider_notifications_total',
  help: 'Provider notifications received, by provider and outcome (refused_signature: a forged or misrouted one).',
  labelNames: ['provider', 'outcome'] as const,
  registers: [apiRegistry],
});

/** Counts a notification once its outcome is recorded; a provider not in PROVIDERS counts as `other` (the path is the caller's). */
export function countNotification(provider: string, outcome: NotificationMetricOutcome): void {
  providerNotifications.inc({ provider: PROVIDERS.includes(provider as ProviderName) ? provider : 'other', outcome });
}

// State read at scrape time. The first three keep the names and meaning of the hand-written text
// /metrics answered before (README "Nothing retries for ever unseen").
const stuckActivities = new Gauge({
  name: 'tongbao_stuck_activities',
  help: 'Activities failing attempt after attempt (see GET /v1/admin/stuck).',
  labelNames: ['activity_type'] as const,
  registers: [apiRegistry],
});
const stuckActivitiesTotal = new Gauge({
  name: 'tongbao_stuck_activities_total',
  help: 'Stuck activities of every type.',
  registers: [apiRegistry],
});
const stuckMaxAttempt = new Gauge({
  name: 'tongbao_stuck_activity_max_attempt',
  help: 'The highest attempt of a stuck activity, per type.',
  labelNames: ['activity_type'] as const,
  registers: [apiRegistry],
});
const stuckWorkflows = new Gauge({
  name: 'tongbao_stuck_workflows',
  help: 'Workflows with an activity failing attempt after attempt (from its 5th attempt).',
  registers: [apiRegistry],
});
const stuckOldest = new Gauge({
  name: 'tongbao_stuck_workflow_oldest_seconds',
  help: "Since when the longest-stuck workflow's activity fails, in seconds (0: none is stuck).",
  registers: [apiRegistry],
});
const openRefunds = new Gauge({
  name: 'tongbao_refunds_open',
  help: 'Refunds not settled yet, by status (pending: at the provider; requires_attention: waiting for an operator).',
  labelNames: ['status'] as const,
  registers: [apiRegistry],
});
const openRefundOldest = new Gauge({
  name: 'tongbao_refund_open_oldest_seconds',
  help: 'Age of the oldest refund in each open status, in seconds (requires_attention: since it needed attention).',
  labelNames: ['status'] as const,
  registers: [apiRegistry],
});

/** The metrics in Prometheus' text format, the state gauges read now. */
export async function scrapeApiMetrics(deps: Pick<ApiDeps, 'db'>): Promise<string> {
  const db = deps.db.fork();
  const [byType, [stuck], refunds] = await Promise.all([
    db.execute<{ activity_type: string; count: string; max_attempt: number }[]>(
      `select activity_type, count(*) as count, max(attempt) as max_attempt from stuck_activities group by activity_type`,
    ),
    db.execute<{ workflows: string; oldest: string | null }[]>(
      `select count(distinct workflow_id) as workflows, extract(epoch from now() - min(first_failed_at)) as oldest from stuck_activities`,
    ),
    db.execute<{ status: string; count: string; oldest: string }[]>(
      `select status, count(*) as count, extract(epoch from now() - min(coalesce(attention_at, created_at))) as oldest
         from refunds where status in ('pending', 'requires_attention') group by status`,
    ),
  ]);
  stuckActivities.reset();
  stuckMaxAttempt.reset();
  for (const row of byType) {
    stuckActivities.set({ activity_type: row.activity_type }, Number(row.count));
    stuckMaxAttempt.set({ activity_type: row.activity_type }, Number(row.max_attempt));
  }
  stuckActivitiesTotal.set(byType.reduce((sum, row) => sum + Number(row.count), 0));
  stuckWorkflows.set(Number(stuck?.workflows ?? 0));
  stuckOldest.set(Math.max(0, Number(stuck?.oldest ?? 0)));
  for (const status of ['pending', 'requires_attention']) {
    const row = refunds.find((one) => one.status === status);
    openRefunds.set({ status }, Number(row?.count ?? 0));
    openRefundOldest.set({ status }, Math.max(0, Number(row?.oldest ?? 0)));
  }
  return apiRegistry.metrics();
}
