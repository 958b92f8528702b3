/**
 * The hosted checkout wears the merchant's branding (POST /v1/account), in a real browser (Debian's
 * Chromium driven by playwright-core) against the test stack's built web app and API: the display
 * name and logo in the header, the brand colour behind them and on the pay button, with text that
 * stays readable, and the merchant's default language for a session that names none.
 *
 * Screenshots go to .tongbao/<stack name>/artifacts/screenshots/, beside checkout.browser.test.ts's.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { TEST_STACK_NAME, apiFetch, createTestMerchant } from './stack';

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

/** A logo as a merchant would upload it: a PNG, drawn here by the browser itself. */
async function drawLogo(): Promise<Buffer> {
  const page = await newPage();
  await page.setContent(
    `<div id="logo" style="width:96px;height:96px;border-radius:20px;background:#c8102e;color:#fff;font:700 56px/96px sans-serif;text-align:center">茶</div>`,
  );
  const png = await page.locator('#logo').screenshot({ type: 'png' });
  await page.context().close();
  return png;
}

/** The test is compiled without the DOM's types: the little of the window it uses in the page. */
interface PageWindow {
  getComputedStyle(element: unknown): { backgroundColor: string; color: string };
}

/** A computed colour of an element on the page. */
function cssOf(locator: Locator, property: 'backgroundColor' | 'color'): Promise<string> {
  return locator.evaluate(
    (element, name) => (globalThis as unknown as PageWindow).getComputedStyle(element)[name],
    property,
  );
}

/** A CSS colour as the browser computes it (`rgb(r, g, b)`) from `#rrggbb`. */
function rgb(hex: string): string {
  const [r, g, b] = [1, 3, 5].map((offset) => parseInt(hex.slice(offset, offset + 2), 16));
  return `rgb(${r}, ${g}, ${b})`;
}

async function brandedSession(brandColor: string, logo: Buffer | null): Promise<string> {
  const { secretKey: key } = await createTestMerchant('Tea House Trading Co.');
  const account = await apiFetch(key, 'POST', '/v1/account', {
    display_name: '茶叶小铺 Tea House',
    brand_color: brandColor,
    default_locale: 'en-US',
    ...(logo ? { logo: `data:image/png;base64,${logo.toString('base64')}` } : {}),
  });
  expect(account.status).toBe(200);
  const session = await apiFetch<{ url: string; locale: string }>(key, 'POST', '/v1/checkout/sessions', {
    currency: 'CNY',
    line_items: [{ name: 'Longjing tea 龙井', quantity: 2, unit_amount: 1299 }],
    success_url: 'https://shop.example/thanks',
    cancel_url: 'https://shop.example/cart',
  });
  expect(session.status).toBe(201);
  expect(session.body.locale).toBe('en-US');
  return session.body.url;
}

describe('the hosted checkout in the merchant’s branding', () => {
  test(
    'a dark brand colour: display name and logo on it in white, the pay button in the same colours, in the merchant’s default language',
    async () => {
      const logo = await drawLogo();
      const url = await brandedSession('#0a58ca', logo);
      const page = await newPage();
      const response = await page.goto(url);
      expect(response?.status()).toBe(200);
      expect(await page.locator('html').getAttribute('lang')).toBe('en-US');

      const header = page.getByTestId('merchant-header');
      await expect(header.locator('h1').textContent()).resolves.toContain('茶叶小铺 Tea House');
      const shownLogo = page.getByTestId('merchant-logo');
      await shownLogo.waitFor();
      expect(
        await shownLogo.evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).naturalWidth),
      ).toBe(96);
      expect(await cssOf(header, 'backgroundColor')).toBe(rgb('#0a58ca'));
      expect(await cssOf(header, 'color')).toBe(rgb('#ffffff'));
      const pay = page.getByTestId('pay');
      expect(await cssOf(pay, 'backgroundColor')).toBe(rgb('#0a58ca'));
      expect(await cssOf(pay, 'color')).toBe(rgb('#ffffff'));
      await page.screenshot({ path: path.join(SCREENSHOTS, 'checkout-branding-dark-en.png'), fullPage: true });
      await page.context().close();
    },
    STORY_MS,
  );

  test(
    'a light brand colour gets dark text, and the shopper may still switch the language',
    async () => {
      const url = await brandedSession('#ffd400', null);
      const page = await newPage();
      await page.goto(`${url}?lang=zh-CN`);
      expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
      const header = page.getByTestId('merchant-header');
      expect(await cssOf(header, 'backgroundColor')).toBe(rgb('#ffd400'));
      expect(await cssOf(header, 'color')).toBe(rgb('#111827'));
      expect(await cssOf(page.getByTestId('pay'), 'color')).toBe(rgb('#111827'));
      expect(await page.getByTestId('merchant-logo').count()).toBe(0);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'checkout-branding-light-zh.png'), fullPage: true });
      await page.context().close();
    },
    STORY_MS,
  );
});
