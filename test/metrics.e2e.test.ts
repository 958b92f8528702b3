/**
 * Story: an operator's Prometheus scrapes the API's /metrics (with the admin token) and the worker's
 * (on its loopback listener). After a shopper pays and someone forges a notification, both are
 * counted: the payment's success by its provider and channel (the worker), the refused signature
 * (the API). README "Monitoring".
 */
import { generateKeyPairSync, createSign } from 'node:crypto';
import { TEMPORAL_SDK_METRICS } from '../temporal/worker-metrics';
import { apiFetch, createTestMerchant, eventually, sandboxControl, testStack } from './stack';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus' text format, one sample a line (label values here hold no quotes or commas). */
function parse(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [, name, labels = '', value] = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line)!;
      return {
        name,
        labels: Object.fromEntries([...labels.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]])),
        value: Number(value),
      };
    });
}

/** The sum of a metric's samples whose labels include `labels`. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value))
    .reduce((sum, s) => sum + s.value, 0);
}

async function scrapeApi(): Promise<Sample[]> {
  const response = await fetch(`${testStack().api_url}/metrics`, {
    headers: { authorization: `Bearer ${testStack().admin_token}` },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(await response.text());
}

async function scrapeWorker(): Promise<Sample[]> {
  const response = await fetch(testStack().worker_metrics_url);
  expect(response.status).toBe(200);
  return parse(await response.text());
}

const SUCCEEDED = { provider: 'alipay', channel: 'alipay_qr', status: 'succeeded' };
const FORGED = { provider: 'alipay', outcome: 'refused_signature' };

/** An Alipay notification signed with a key that is not Alipay's, posted where the trade's notifications go. */
async function forgeNotification(outTradeNo: string): Promise<void> {
  const trade = (await sandboxControl('GET', `/_control/trades/alipay/${outTradeNo}`)).body as {
    notify_url: string;
    app_id: string;
  };
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const fields: Record<string, string> = {
    app_id: trade.app_id,
    charset: 'utf-8',
    notify_id: 'forged-metrics-1',
    notify_time: '2026-11-22 10:00:00',
    notify_type: 'trade_status_sync',
    out_trade_no: outTradeNo,
    total_amount: '19.99',
    trade_no: '2026112222001400000000000099',
    trade_status: 'TRADE_SUCCESS',
    version: '1.0',
  };
  const content = Object.keys(fields)
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('&');
  const sign = createSign('RSA-SHA256').update(content).sign(privateKey, 'base64');
  const response = await fetch(trade.notify_url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...fields, sign, sign_type: 'RSA2' }),
  });
  expect(await response.text()).not.toBe('success');
}

test('a paid payment and a forged notification are both counted, on the worker and on the API', async () => {
  const { secretKey } = await createTestMerchant();
  const [apiBefore, workerBefore] = await Promise.all([scrapeApi(), scrapeWorker()]);

  const created = await apiFetch<{ id: string; out_trade_no: string }>(secretKey, 'POST', '/v1/payments', {
    amount: 1999,
    currency: 'CNY',
    channel: 'alipay_qr',
    description: 'Tea set',
  });
  expect(created.status).toBe(201);
  const payment = created.body;
  await sandboxControl('POST', '/_control/pay', {
    provider: 'alipay',
    out_trade_no: payment.out_trade_no,
    outcome: 'success',
  });
  await eventually(async () => {
    expect((await apiFetch<{ status: string }>(secretKey, 'GET', `/v1/payments/${payment.id}`)).body.status).toBe(
      'succeeded',
    );
  });
  await forgeNotification(payment.out_trade_no);

  // Other stories share the stack, so a count may have grown by more than this story's one.
  const worker = await scrapeWorker();
  expect(valueOf(worker, 'tongbao_payments_total', SUCCEEDED)).toBeGreaterThanOrEqual(
    valueOf(workerBefore, 'tongbao_payments_total', SUCCEEDED) + 1,
  );
  const createdLabels = { ...SUCCEEDED, status: 'created' };
  expect(valueOf(worker, 'tongbao_payments_total', createdLabels)).toBeGreaterThanOrEqual(
    valueOf(workerBefore, 'tongbao_payments_total', createdLabels) + 1,
  );
  const createCalls = { provider: 'alipay', operation: 'createPayment' };
  expect(valueOf(worker, 'tongbao_provider_call_duration_seconds_count', createCalls)).toBeGreaterThanOrEqual(
    valueOf(workerBefore, 'tongbao_provider_call_duration_seconds_count', createCalls) + 1,
  );
  // The Temporal SDK's own, which the dashboard uses, come through the worker's listener too.
  for (const name of TEMPORAL_SDK_METRICS) expect(worker.some((sample) => sample.name === name)).toBe(true);

  const api = await scrapeApi();
  expect(valueOf(api, 'tongbao_provider_notifications_total', FORGED)).toBeGreaterThanOrEqual(
    valueOf(apiBefore, 'tongbao_provider_notifications_total', FORGED) + 1,
  );
  const signaled = { provider: 'alipay', outcome: 'signaled' };
  expect(valueOf(api, 'tongbao_provider_notifications_total', signaled)).toBeGreaterThanOrEqual(
    valueOf(apiBefore, 'tongbao_provider_notifications_total', signaled) + 1,
  );
  // Requests count under their route's pattern, never their ids.
  const create = { method: 'POST', route: '/v1/payments', status_class: '2xx' };
  expect(valueOf(api, 'tongbao_http_request_duration_seconds_count', create)).toBeGreaterThanOrEqual(1);
  expect(api.some((sample) => (sample.labels.route ?? '').includes(payment.id))).toBe(false);
  expect(
    valueOf(api, 'tongbao_http_request_duration_seconds_count', { route: '/v1/payments/:id', status_class: '2xx' }),
  ).toBeGreaterThanOrEqual(1);
}, 120_000);

test("the API's /metrics needs the admin token; the worker's answers /metrics only", async () => {
  expect((await fetch(`${testStack().api_url}/metrics`)).status).toBe(401);
  const worker = new URL(testStack().worker_metrics_url);
  expect(worker.hostname).toBe('127.0.0.1');
  expect((await fetch(new URL('/other', worker))).status).toBe(404);
  // The state gauges answer even when nothing is stuck.
  const api = await scrapeApi();
  expect(api.some((sample) => sample.name === 'tongbao_stuck_workflows')).toBe(true);
  expect(api.some((sample) => sample.name === 'tongbao_refunds_open')).toBe(true);
});
