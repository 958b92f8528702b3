import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser';
import { TEST_STACK_NAME, apiFetch, createTestMerchant, testStack } from './stack';

// Support staff read a payment's history in the Temporal Web UI. The server stores every payload
// encrypted (no shopper's IP or note in clear); the UI, in the support person's browser, has them
// decrypted by the codec server (`--ui-codec-endpoint`), which answers the UI's origin only.

const SCREENSHOTS = path.resolve(__dirname, '..', '.tongbao', TEST_STACK_NAME, 'artifacts', 'screenshots');
const SHOPPER_IP = '203.0.113.7';
const NOTE = 'gift-wrap-for-support-eyes-only';

let browser: Browser;

beforeAll(async () => {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

test("a payment's history: encrypted at the server, readable in the Web UI through the codec server", async () => {
  const { secretKey } = await createTestMerchant();
  const created = await apiFetch<{ id: string }>(secretKey, 'POST', '/v1/payments', {
    amount: 1999,
    currency: 'CNY',
    channel: 'wechat_h5',
    client_ip: SHOPPER_IP,
    description: 'Teapot for the codec story',
    metadata: { note: NOTE },
  });
  expect(created.status).toBe(201);
  const workflowId = `payment/${created.body.id}`;

  // What the server holds: the input as ciphertext.
  const connection = await Connection.connect({ address: testStack().temporal_address });
  try {
    const raw = new Client({ connection, namespace: testStack().temporal_namespace });
    const history = await raw.workflow.getHandle(workflowId).fetchHistory();
    const input = history.events?.[0].workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    expect(Buffer.from(input?.metadata?.encoding ?? []).toString()).toBe('binary/encrypted');
    expect(Buffer.from(input?.data ?? []).includes(SHOPPER_IP)).toBe(false);
  } finally {
    await connection.close();
  }

  // What support sees: the same input, decrypted in the browser by the codec server.
  const page = await browser.newPage({ viewport: { width: 1400, height: 1200 } });
  const decodes: number[] = [];
  page.on('response', (response) => {
    if (response.url() === `${testStack().codec_url}/decode`) decodes.push(response.status());
  });
  await page.goto(
    `${testStack().temporal_ui_url}/namespaces/${testStack().temporal_namespace}/workflows/${encodeURIComponent(workflowId)}`,
  );
  await page.getByText(NOTE).first().waitFor({ timeout: 30_000 });
  await page.getByText(`"clientIp": "${SHOPPER_IP}"`).first().waitFor({ timeout: 30_000 });
  await page.screenshot({ path: path.join(SCREENSHOTS, 'temporal-ui-payment.png'), fullPage: true });
  expect(decodes.length).toBeGreaterThan(0);
  expect(decodes.every((status) => status === 200)).toBe(true);
  await page.close();

  // Another origin's page cannot use the codec server to decrypt.
  const preflight = await fetch(`${testStack().codec_url}/decode`, {
    method: 'OPTIONS',
    headers: { origin: 'http://elsewhere.example', 'access-control-request-method': 'POST' },
  });
  expect(preflight.status).toBe(403);
}, 120_000);
