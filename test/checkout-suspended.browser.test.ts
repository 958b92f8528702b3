/**
 * The hosted checkout of a merchant the platform suspended, in a real browser (Debian's Chromium
 * driven by playwright-core) against the test stack's built web app and API: the page says the
 * merchant cannot take payments, in either language, instead of offering them; a shopper who had
 * the page open when it happened is told so when they press pay.
 *
 * Screenshots go to .tongbao/<stack name>/artifacts/screenshots/, beside checkout.browser.test.ts's.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { TEST_STACK_NAME, adminFetch, apiFetch, createTestMerchant } from './stack';

const SCREENSHOTS = path.resolve(__dirname, '..', '.tongbao', TEST_STACK_NAME, 'artifacts', 'screenshots');
const STORY_MS = 60_000;

let browser: Browser;

beforeAll(async () => {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(30_000);
  return context.newPage();
}

/** A merchant with an open checkout session: its id and the session's page. */
async function merchantWithSession(): Promise<{ merchantId: string; url: string }> {
  const { merchantId, secretKey } = await createTestMerchant('Suspended Tea House');
  const session = await apiFetch<{ url: string }>(secretKey, 'POST', '/v1/checkout/sessions', {
    currency: 'CNY',
    line_items: [{ name: 'Longjing tea 龙井', quantity: 1, unit_amount: 2599 }],
    success_url: 'https://shop.example/thanks',
    cancel_url: 'https://shop.example/cart',
  });
  expect(session.status).toBe(201);
  return { merchantId, url: session.body.url };
}

async function suspend(merchantId: string): Promise<void> {
  const suspended = await adminFetch('POST', `/v1/admin/merchants/${merchantId}/suspend`, { reason: 'Under review' });
  expect(suspended.status).toBe(200);
}

describe("a suspended merchant's hosted checkout", () => {
  test(
    'says the merchant cannot take payments, in Chinese and in English, and offers no way to pay',
    async () => {
      const { merchantId, url } = await merchantWithSession();
      await suspend(merchantId);
      const page = await newPage();
      for (const [lang, title] of [
        ['zh-CN', '该商家暂时无法收款'],
        ['en-US', 'This merchant cannot take payments'],
      ] as const) {
        expect((await page.goto(`${url}?lang=${lang}`))?.status()).toBe(200);
        const notice = page.getByTestId('suspended');
        await expect(notice.locator('h2').textContent()).resolves.toBe(title);
        expect(await page.getByTestId('channel-picker').count()).toBe(0);
        expect(await page.getByTestId('pay').count()).toBe(0);
        await page.screenshot({ path: path.join(SCREENSHOTS, `checkout-suspended-${lang}.png`), fullPage: true });
      }
      await page.context().close();
    },
    STORY_MS,
  );

  test(
    'a shopper whose page was open when the merchant was suspended is told so when they press pay',
    async () => {
      const { merchantId, url } = await merchantWithSession();
      const page = await newPage();
      await page.goto(`${url}?lang=en-US`);
      await page.locator('input[name=channel][value=alipay_qr]').check();
      await suspend(merchantId);
      await page.getByTestId('pay').click();
      await page.getByTestId('suspended').waitFor();
      expect(await page.getByTestId('qr-panel').count()).toBe(0);
      await page.context().close();
    },
    STORY_MS,
  );
});
