/**
 * The worker's Prometheus metrics and the small HTTP listener that serves them (`GET /metrics`,
 * WORKER_METRICS_HOST:WORKER_METRICS_PORT, loopback by default: it has no authentication).
 *
 * Events are counted here, in memory, where they happen (a payment's transition as its activity
 * commits it, a provider call, a webhook attempt): nothing costs a query per payment (issue 11,
 * docs/scaling.md). State read from PostgreSQL (stuck workflows, refunds waiting) is the API's
 * `/metrics` (api/metrics.ts): any API process answers it for every worker. The Temporal SDK's own
 * worker metrics (task slots, poll and schedule-to-start latencies, sticky cache) come from its Rust
 * core's Prometheus exporter on a loopback port of its own, appended to this listener's answer.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The worker's counters, by role; `activities` is what createActivities takes (activities/deps.ts ActivityMetrics). */
export function createWorkerMetrics() {
  const registry = new Registry();
  const payments = new Counter({
    name: 'tongbao_payments_total',
    help: 'Payments by the status they reached (created: stored and sent to the provider), by provider and channel.',
    labelNames: ['provider', 'channel', 'status'] as const,
    registers: [registry],
  });
  const providerCalls = new Histogram({
    name: 'tongbao_provider_call_duration_seconds',
    help: 'Calls to a payment provider (or the sandbox), by provider and operation, errors included.',
    labelNames: ['provider', 'operation'] as const,
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const providerErrors = new Counter({
    name: 'tongbao_provider_call_errors_total',
    help: 'Provider calls that threw, by provider, operation and error class (ProviderUnavailableError is retried; a decline or an invalid request is not).',
    labelNames: ['provider', 'operation', 'error'] as const,
    registers: [registry],
  });
  const webhookAttempts = new Counter({
    name: 'tongbao_webhook_attempts_total',
    help: "Webhook delivery attempts to merchants' endpoints, by outcome (delivered: a 2xx answer; failed: anything else).",
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const webhookGivenUp = new Counter({
    name: 'tongbao_webhook_deliveries_failed_total',
    help: 'Webhook deliveries given up after their last attempt (the delivery is failed).',
    registers: [registry],
  });
  const refunds = new Counter({
    name: 'tongbao_refunds_total',
    help: 'Refunds by the status they reached (pending: created).',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const messages = new Counter({
    name: 'tongbao_messages_total',
    help: 'SMS and e-mail messages by channel and the status they reached (sent, delivered, failed, undeliverable).',
    labelNames: ['channel', 'status'] as const,
    registers: [registry],
  });
  return {
    registry,
    /** What the activities count (activities/deps.ts `ActivityMetrics`). */
    activities: {
      paymentStatus(change: { provider: string; channel: string; status: string }): void {
        payments.inc(change);
      },
      refundStatus(status: string): void {
        refunds.inc({ status });
      },
      webhookAttempt(outcome: { delivered: boolean; gaveUp: boolean }): void {
        webhookAttempts.inc({ outcome: outcome.delivered ? 'delivered' : 'failed' });
        if (outcome.gaveUp) webhookGivenUp.inc();
      },
      messageStatus(change: { channel: string; status: string }): void {
        messages.inc(change);
      },
    },
    /** One provider call: its duration, and its error class when it threw (null when it answered). */
    providerCall(call: { provider: string; operation: string }, seconds: number, error: string | null): void {
      providerCalls.observe(call, seconds);
      if (error !== null) providerErrors.inc({ ...call, error });
    },
  };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;

/**
 * Serves `GET /metrics`: the registry's metrics, the process's (CPU, memory, event loop lag) and the
 * Temporal SDK's, read from `sdkMetricsUrl` at each scrape. Resolves with the address it listens on.
 */
export async function serveWorkerMetrics(options: {
  host: string;
  port: number;
  registry: Registry;
  sdkMetricsUrl: string | null;
}): Promise<{ url: string; close(): Promise<void> }> {
  collectDefaultMetrics({ register: options.registry });
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    metricsText(options.registry, options.sdkMetricsUrl).then(
      (text) => res.writeHead(200, { 'content-type': options.registry.contentType }).end(text),
      (error: unknown) =>
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${(error as Error).message}\n`),
    );
  });
  // Keep-alive connections of a scraper must not hold the worker's shutdown.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function metricsText(registry: Registry, sdkMetricsUrl: string | null): Promise<string> {
  const own = await registry.metrics();
  if (!sdkMetricsUrl) return own;
  try {
    const answer = await fetch(sdkMetricsUrl, { signal: AbortSignal.timeout(2_000) });
    if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
    return `${own}${await answer.text()}`;
  } catch (error) {
    // Our own metrics still count when the SDK's exporter does not answer; say why it is missing.
    return `${own}# Temporal SDK metrics unavailable: ${(error as Error).message.replaceAll('\n', ' ')}\n`;
  }
}

/** A loopback address for the Temporal SDK's exporter: a port free now, which its Rust core binds. */
export async function freeLoopbackAddress(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `127.0.0.1:${port}`;
}

/**
 * The Temporal SDK's metrics that docs/monitoring/ uses (histograms by their series), as its Rust
 * core names them with the options temporal/worker.ts sets (`_total` on counters, durations in
 * seconds with a unit suffix). The metrics story (test/metrics.e2e.test.ts) finds each in a
 * worker's answer, so a renaming by an SDK upgrade fails there.
 */
export const TEMPORAL_SDK_METRICS = [
  'temporal_workflow_task_schedule_to_start_latency_seconds_bucket',
  'temporal_activity_schedule_to_start_latency_seconds_bucket',
  'temporal_worker_task_slots_available',
] as const;
