/** The Temporal worker: runs workflows/ and the activities, with their dependencies. */
import fs from 'node:fs';
import path from 'node:path';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type ActivityInterceptorsFactory,
  type LogLevel,
} from '@temporalio/worker';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  makeWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry/lib/worker';
import { createActivities } from '../activities';
import { stuckActivitiesInterceptor } from '../activities/stuck-activities';
import { openDatabase } from '../db/orm';
import { SecretBox } from '../db/secret-box';
import { appConfigFromEnv } from '../runtime/config';
import { createLogger } from '../runtime/logger';
import { providerCallSpan, startTracing, type Tracing } from '../runtime/tracing';
import { ProviderError } from '../providers/errors';
import type { ProviderCallInstrument } from '../providers/provider';
import { createWorkerMetrics, freeLoopbackAddress, serveWorkerMetrics, type WorkerMetrics } from './worker-metrics';
import { temporalClient } from './client';
import { temporalSettingsFromEnv } from './config';
import { tongbaoDataConverter } from './payload-codec';
import { ensureReconciliationSchedule, type ScheduledAccount } from './reconciliation-schedules';
import { ensurePurgeSchedule } from './purge-schedule';
import { ensurePaymentChecks } from './payment-checks';

/**
 * Workflows kept in memory between their tasks (about 1 MB each, reusing one V8 context). The SDK's
 * default follows the heap limit: some 2,300 here, which thousands of open payments filled until
 * the worker held gigabytes. A payment is busy for a few seconds (create, then its notification);
 * an open one sleeps until it expires (the sweep checks it, not its workflow) and is replayed from
 * its short history then (~12 events). A few hundred cover the busy ones of one worker.
 */
const MAX_CACHED_WORKFLOWS = 250;

async function main(): Promise<void> {
  const config = appConfigFromEnv();
  const temporal = temporalSettingsFromEnv();
  const logger = createLogger('worker', config.logLevel);
  const tracing = startTracing('tongbao-worker', config.otlpTracesUrl);
  const metrics = createWorkerMetrics();
  // The SDK's own metrics go to its Rust core's exporter on a loopback port; /metrics appends them.
  const sdkMetricsAddress = config.workerMetrics ? await freeLoopbackAddress() : null;
  Runtime.install({
    // The SDK logs each worker state change and the whole workflow bundle listing at INFO.
    logger: new DefaultLogger((process.env.TEMPORAL_SDK_LOG_LEVEL ?? 'WARN') as LogLevel),
    ...(sdkMetricsAddress
      ? {
          telemetryOptions: {
            metrics: {
              prometheus: {
                bindAddress: sdkMetricsAddress,
                countersTotalSuffix: true,
                unitSuffix: true,
                useSecondsForDurations: true,
              },
            },
          },
        }
      : {}),
  });
  const db = await openDatabase(config.databaseUrl);
  const connection = await NativeConnection.connect({ address: temporal.address });
  // Activities start workflows too (webhook deliveries), on the worker's own connection.
  const client = temporalClient(connection, temporal, { traced: tracing !== null });
  const worker = await Worker.create({
    connection,
    interceptors: { activity: [stuckActivitiesInterceptor(db, logger), ...activityTracing(tracing)] },
    // Traced workflows' spans (workflows/tracing.interceptors.ts) leave the sandbox through this sink.
    ...(tracing ? { sinks: { exporter: makeWorkflowExporter(tracing.processor, tracing.resource) } } : {}),
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    dataConverter: tongbaoDataConverter(temporal.payloadKey),
    workflowBundle: { codePath: workflowBundlePath() },
    maxCachedWorkflows: MAX_CACHED_WORKFLOWS,
    activities: createActivities({
      db,
      secretBox: new SecretBox(config.encryptionKey),
      providerEnv: { sandboxUrl: config.sandboxUrl, instrument: providerCalls(metrics, tracing) },
      metrics: metrics.activities,
      apiUrl: config.apiUrl,
      logger,
      temporal: client,
      taskQueue: temporal.taskQueue,
      timeScale: config.timeScale,
      webhookAllowPrivate: config.webhookAllowPrivate,
      alerts: config.alerts,
    }),
  });
  const metricsListener = config.workerMetrics
    ? await serveWorkerMetrics({
        ...config.workerMetrics,
        registry: metrics.registry,
        sdkMetricsUrl: sdkMetricsAddress && `http://${sdkMetricsAddress}/metrics`,
      }).catch((error: unknown) => {
        // A second worker started with the first's environment finds the port taken: it works on, unscraped.
        logger.error({ err: error, ...config.workerMetrics }, 'worker metrics: could not listen');
        return null;
      })
    : null;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => worker.shutdown());
  // The API schedules each new account's reconciliation; this catches accounts older than that.
  const accounts = await db
    .fork()
    .execute<{ id: string; merchantId: string; provider: ScheduledAccount['provider'] }[]>(
      'select id, merchant_id as "merchantId", provider from provider_accounts',
    );
  Promise.all(accounts.map((account) => ensureReconciliationSchedule(client, temporal.taskQueue, account))).catch(
    (error) => logger.error({ err: error }, 'could not schedule the reconciliations'),
  );
  ensurePurgeSchedule(client, temporal.taskQueue).catch((error) =>
    logger.error({ err: error }, 'could not schedule the daily purge'),
  );
  ensurePaymentChecks(client, temporal.taskQueue, config.timeScale).catch((error) =>
    logger.error({ err: error }, 'could not start the open payments sweep'),
  );
  logger.info(
    { taskQueue: temporal.taskQueue, address: temporal.address, metrics: metricsListener?.url ?? null },
    'worker running',
  );
  console.log(
    `worker running on task queue ${temporal.taskQueue}${metricsListener ? ` (metrics: ${metricsListener.url})` : ''}`,
  );
  await worker.run();
  await metricsListener?.close();
  await connection.close();
  await db.close();
  await tracing?.shutdown();
}

/** The activities' spans when tracing is on: each a child of the workflow's span that scheduled it. */
function activityTracing(tracing: Tracing | null): ActivityInterceptorsFactory[] {
  if (!tracing) return [];
  return [
    (ctx) => ({
      inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
      outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
    }),
  ];
}

/**
 * Every call that reaches a provider, timed and its errors counted by class (metrics), in a span of
 * its own when tracing is on; once, here, for every adapter (providers/instrumented-provider.ts).
 */
function providerCalls(metrics: WorkerMetrics, tracing: Tracing | null): ProviderCallInstrument {
  return async (call, run) => {
    const started = performance.now();
    let error: string | null = null;
    try {
      return await (tracing ? providerCallSpan(tracing.tracer, call, run) : run());
    } catch (caught) {
      // A class name from providers/errors.ts (bounded), never the message.
      error = caught instanceof ProviderError ? caught.name : 'other';
      throw caught;
    } finally {
      metrics.providerCall(call, (performance.now() - started) / 1000, error);
    }
  };
}

/**
 * The workflow code, bundled at build time (scripts/bundle-workflows.mjs): bundling at each start
 * took seconds of CPU, and much longer on a busy machine, while the worker could not take work.
 */
function workflowBundlePath(): string {
  const codePath = path.join(__dirname, '..', 'workflow-bundle.js');
  if (!fs.existsSync(codePath))
    throw new Error(`${codePath} is missing: \`npm run build\` bundles the workflow code after compiling it`);
  return codePath;
}

main().catch((error) => {
  console.error('worker failed:', error);
  process.exit(1);
});
