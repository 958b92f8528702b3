/**
 * Story: with an OTLP endpoint configured, one payment is one trace, from the API's request through
 * the Temporal client, the payment's workflow and its activities to the provider call, exported by
 * both processes over OTLP/HTTP (README "Monitoring"). The collector is a tiny HTTP server here that
 * keeps what it receives; the API and the worker are this story's own, on their own task queue.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { createTestMerchant, eventually } from './stack';
import { callApi, startOwnApi, startOwnWorker, stopProcess } from './processes';

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
}

/** OTLP/HTTP JSON (what @opentelemetry/exporter-trace-otlp-http sends): resourceSpans → scopeSpans → spans. */
interface ExportRequest {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { spans: { traceId: string; spanId: string; parentSpanId?: string; name: string }[] }[];
  }[];
}

let collector: http.Server;
let collectorUrl: string;
const spans: ReceivedSpan[] = [];
let worker: ChildProcess | undefined;
let api: ChildProcess | undefined;
let apiUrl: string;

beforeAll(async () => {
  collector = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ExportRequest;
        for (const resource of body.resourceSpans) {
          const service =
            resource.resource.attributes.find((attribute) => attribute.key === 'service.name')?.value.stringValue ?? '';
          for (const scope of resource.scopeSpans)
            for (const span of scope.spans) spans.push({ service, parentSpanId: '', ...span });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  const taskQueue = `tracing-${process.pid}-${Date.now()}`;
  // Exported within a quarter of a second rather than the default five.
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl, OTEL_BSP_SCHEDULE_DELAY: '250' };
  worker = await startOwnWorker(taskQueue, env);
  ({ api, apiUrl } = await startOwnApi(taskQueue, env));
}, 120_000);

afterAll(async () => {
  await stopProcess(api);
  await stopProcess(worker);
  await new Promise((resolve) => collector.close(resolve));
});

test("one payment's spans, from the API request to the provider call, share one trace", async () => {
  const { secretKey } = await createTestMerchant();
  const created = await callApi(apiUrl, secretKey, 'POST', '/v1/payments', {
    amount: 1999,
    currency: 'CNY',
    channel: 'alipay_qr',
    description: 'Traced tea set',
  });
  expect(created.status).toBe(201);

  const trace = await eventually(
    async () => {
      const request = spans.find((span) => span.service === 'tongbao-api' && span.name === 'POST /v1/payments');
      expect(request).toBeDefined();
      const inTrace = spans.filter((span) => span.traceId === request!.traceId);
      const names = inTrace.map((span) => `${span.service} ${span.name}`);
      expect(names).toEqual(
        expect.arrayContaining([
          'tongbao-api POST /v1/payments',
          'tongbao-worker RunWorkflow:paymentWorkflow',
          'tongbao-worker provider alipay.createPayment',
        ]),
      );
      return inTrace;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  // One tree: every span but the request's has its parent in the trace.
  const ids = new Set(trace.map((span) => span.spanId));
  const roots = trace.filter((span) => !span.parentSpanId || !ids.has(span.parentSpanId));
  expect(roots.map((span) => span.name)).toEqual(['POST /v1/payments']);
  // The provider call hangs under an activity's span.
  const providerCall = trace.find((span) => span.name === 'provider alipay.createPayment')!;
  expect(trace.find((span) => span.spanId === providerCall.parentSpanId)?.name).toMatch(/^RunActivity:/);
}, 90_000);
