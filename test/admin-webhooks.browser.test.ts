/**
 * A merchant's server was down, so every delivery to its endpoint failed; it is back, and it asks
 * the platform for what it missed. In a real browser, in both languages: support staff find the
 * endpoint in the failing endpoints queue, open its delivery log with every failed attempt, and
 * send the event again; the merchant's server receives it. A viewer reads the log with no button.
 */
import type { Browser, Page } from 'playwright-core';
import { closeContext, launchChromium } from './browser';
import { reviewPage, signedInContext } from './console-browser';
import { staffSession } from './kratos-sessions';
import { apiFetch, createTestMerchant, eventually, sandboxControl, testStack } from './stack';
import { startEndpoint, type Endpoint } from './webhook-receiver';

const STORY_MS = 180_000;
const PAGE_WAIT_MS = 30_000;

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

/** Each page's screenshot is admin-…png. */
const review = (page: Page, name: string) => reviewPage(page, `admin-${name}`);

async function visit(page: Page, path: string, selector: string): Promise<void> {
  await page.goto(`${testStack().web_url}${path}`);
  await page.waitForSelector(selector, { timeout: PAGE_WAIT_MS });
}

/** A merchant whose endpoint refuses everything until `back()`, and the event it missed. */
async function merchantServerDown(): Promise<{ endpoint: string; event: string; receiver: Endpoint; back(): void }> {
  let up = false;
  const receiver = await startEndpoint(() => (up ? 200 : 503));
  const { secretKey: key } = await createTestMerchant('Webhooks down');
  const endpoint = await apiFetch<{ id: string }>(key, 'POST', '/v1/webhook_endpoints', {
    url: receiver.url,
    enabled_events: ['payment.succeeded'],
  });
  expect(endpoint.status).toBe(201);
  const created = await apiFetch<{ out_trade_no: string }>(key, 'POST', '/v1/payments', {
    amount: 3300,
    currency: 'CNY',
    channel: 'alipay_qr',
    description: 'Jasmine pearls',
  });
  expect(created.status).toBe(201);
  await sandboxControl('POST', '/_control/pay', {
    provider: 'alipay',
    out_trade_no: created.body.out_trade_no,
    outcome: 'success',
  });
  await eventually(() => expect(receiver.received.length).toBeGreaterThanOrEqual(1), { timeoutMs: 30_000 });
  const event = String(receiver.received[0].headers['tongbao-event-id']);
  return { endpoint: endpoint.body.id, event, receiver, back: () => (up = true) };
}

describe('a merchant asks for the webhooks it missed', () => {
  for (const locale of ['zh-CN', 'en-US'] as const) {
    test(
      `${locale}: support finds the failing endpoint, reads its attempts and sends the event again`,
      async () => {
        const down = await merchantServerDown();
        const support = await staffSession('support');
        const context = await signedInContext(browser, support.session, locale);
        const page = await context.newPage();
        try {
          await visit(page, '/admin/webhooks', '[data-testid="failing-endpoints"]');
          await page.click(`a[href="/admin/webhooks/${down.endpoint}"]`);
          await page.waitForSelector(`[data-testid="delivery-${down.event}"]`, { timeout: PAGE_WAIT_MS });
          expect(await page.textContent(`[data-testid="delivery-${down.event}"]`)).toContain('HTTP 503');
          await review(page, `webhook-deliveries-${locale}`);

          down.back();
          const before = down.receiver.received.length;
          await page.click(`[data-testid="delivery-${down.event}"] button[type="submit"]`);
          await page.waitForSelector('[data-testid="resent"]', { timeout: PAGE_WAIT_MS });
          expect(await page.textContent('[data-testid="resent"]')).toContain(down.event);
          await eventually(() => expect(down.receiver.received.length).toBeGreaterThan(before), { timeoutMs: 15_000 });
          expect(JSON.parse(down.receiver.received.at(-1)!.body).id).toBe(down.event);
          // The page, read again, shows the attempt that reached the merchant.
          await eventually(
            async () => {
              await visit(page, `/admin/webhooks/${down.endpoint}`, `[data-testid="delivery-${down.event}"]`);
              expect(await page.textContent(`[data-testid="delivery-${down.event}"]`)).toContain('HTTP 200');
            },
            { timeoutMs: 20_000, intervalMs: 1_000 },
          );
          await review(page, `webhook-deliveries-resent-${locale}`);
        } finally {
          await closeContext(context);
        }
      },
      STORY_MS,
    );
  }

  test(
    'a viewer reads the delivery log with no button',
    async () => {
      const down = await merchantServerDown();
      const viewer = await staffSession('viewer');
      const context = await signedInContext(browser, viewer.session, 'en-US');
      const page = await context.newPage();
      try {
        await visit(page, `/admin/webhooks/${down.endpoint}`, `[data-testid="delivery-${down.event}"]`);
        expect(await page.locator('main form[method="POST"], main button[type="submit"]').count()).toBe(0);
        await review(page, 'webhook-deliveries-as-viewer-en-US');
      } finally {
        await closeContext(context);
      }
    },
    STORY_MS,
  );
});
