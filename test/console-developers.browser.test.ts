/**
 * The console's Developers, Checkout and Business settings pages in a real browser (Debian's
 * Chromium, playwright-core) against the test stack's web app, Kratos and API: a person signs in
 * through /auth/login and names their business on the welcome page; an API key created in the
 * console works against the API, is rolled with a short grace during which the old key still works,
 * and the old key is refused (401) once the grace is over; a webhook endpoint's signing secret is
 * shown once; the branding set in the console is what the hosted checkout shows. Every page is
 * checked with axe-core and kept as a screenshot in both languages under
 * .tongbao/<stack name>/artifacts/screenshots/console/.
 */
import type { Browser, Page } from 'playwright-core';
import { closeContext, launchChromium } from './browser';
import { createPayment, pay } from './console';
import { accessibilityViolations, consoleScreenshot } from './console-browser';
import { createPerson } from './kratos-sessions';
import { apiFetch, eventually, testStack } from './stack';

const STORY_MS = 240_000;
const PAGE_WAIT_MS = 30_000;
const DESKTOP = { viewport: { width: 1280, height: 900 } };
/** The roll's grace in the story: long enough to prove the old key still works, short enough to wait out. */
const GRACE_SECONDS = 15;

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

const web = () => testStack().web_url;

/** Checks the page with axe-core, and keeps its screenshot. */
async function review(page: Page, name: string): Promise<void> {
  await consoleScreenshot(page, name);
  expect({ page: name, violations: await accessibilityViolations(page) }).toEqual({ page: name, violations: [] });
}

/** A person made in Kratos signs in through the console's own login page and names their business. */
async function signInWithNewBusiness(page: Page, locale: 'zh-CN' | 'en-US', business: string): Promise<void> {
  const person = await createPerson({ locale, name: locale === 'zh-CN' ? '李雷' : 'Lei Li' });
  await page.goto(`${web()}/auth/login?lang=${locale}`);
  await page.waitForURL(/\/auth\/login\?.*flow=/, { timeout: PAGE_WAIT_MS });
  await page.fill('input[name="identifier"]', person.email);
  await page.fill('input[name="password"]', person.password);
  await page.click('[data-testid="submit-password-password"]');
  await page.waitForURL(/\/dashboard\/welcome$/, { timeout: PAGE_WAIT_MS });
  await page.fill('input[name="name"]', business);
  await page.click('[data-testid="create-merchant"]');
  await page.waitForURL(/\/dashboard$/, { timeout: PAGE_WAIT_MS });
}

/** Submits a form and waits for the page the console answers with. */
async function submit(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation({ timeout: PAGE_WAIT_MS }), page.click(selector)]);
}

async function secretShown(page: Page, testid: string): Promise<string> {
  return (await page.inputValue(`[data-testid="${testid}-value"]`)).trim();
}

/** A logo as a merchant would upload it: a PNG, drawn by the browser itself. */
async function drawLogo(): Promise<Buffer> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.setContent(
    `<div id="logo" style="width:96px;height:96px;border-radius:20px;background:#1b5e20;color:#fff;font:700 56px/96px sans-serif;text-align:center">茶</div>`,
  );
  const png = await page.locator('#logo').screenshot({ type: 'png' });
  await closeContext(context);
  return png;
}

describe('the console for developers: keys, webhooks, events, branding', () => {
  test(
    'en-US: a key made in the console works, is rolled with a short grace, and stops working after it; a webhook secret is shown once; the branding reaches the hosted checkout',
    async () => {
      const context = await browser.newContext({ ...DESKTOP, locale: 'en-US' });
      const page = await context.newPage();
      try {
        await signInWithNewBusiness(page, 'en-US', 'Lei Tea Traders');

        // A new key: its secret is shown once, and it works against the API.
        await page.goto(`${web()}/dashboard/developers`);
        await page.fill('[data-testid="create-key"] input[name="name"]', 'Order service');
        await submit(page, '[data-testid="create-key"] button[type="submit"]');
        const oldKey = await secretShown(page, 'new-key-secret');
        expect(oldKey).toMatch(/^sk_test_/);
        await review(page, 'developers-key-created-en-US');
        expect((await apiFetch(oldKey, 'GET', '/v1/payments')).status).toBe(200);

        // Rolled with a grace of a few seconds: the console offers 0 s to 7 days; a shorter one
        // than an hour is sent as a person's own form could send it (the API takes 0..7 days).
        const row = page.locator('[data-testid^="key-key_"]', { hasText: oldKey.slice(-4) });
        const keyId = (await row.getAttribute('data-testid'))!.replace(/^key-/, '');
        await page.evaluate(`(() => {
          const select = document.getElementById('grace-${keyId}');
          select.append(new Option('${GRACE_SECONDS} s', '${GRACE_SECONDS}'));
          select.value = '${GRACE_SECONDS}';
        })()`);
        const rolledAt = Date.now();
        await submit(page, `[data-testid="roll-${keyId}"] button[type="submit"]`);
        const newKey = await secretShown(page, 'new-key-secret');
        expect(newKey).toMatch(/^sk_test_/);
        expect(newKey).not.toBe(oldKey);
        // The old key's row now says until when it works.
        expect(await page.textContent(`[data-testid="key-${keyId}"] [data-testid="key-expires"]`)).not.toBe(
          'Until revoked',
        );
        await review(page, 'developers-key-rolled-en-US');
        if (Date.now() - rolledAt < GRACE_SECONDS * 1000 - 2000)
          expect((await apiFetch(oldKey, 'GET', '/v1/payments')).status).toBe(200);
        expect((await apiFetch(newKey, 'GET', '/v1/payments')).status).toBe(200);
        await eventually(
          async () => {
            expect((await apiFetch(oldKey, 'GET', '/v1/payments')).status).toBe(401);
          },
          { timeoutMs: (GRACE_SECONDS + 45) * 1000, intervalMs: 1000 },
        );
        expect(Date.now() - rolledAt).toBeGreaterThanOrEqual(GRACE_SECONDS * 1000 - 1000);
        expect((await apiFetch(newKey, 'GET', '/v1/payments')).status).toBe(200);

        // A webhook endpoint: its secret is shown once, and not again.
        await page.goto(`${web()}/dashboard/developers/webhooks`);
        await review(page, 'developers-webhooks-empty-en-US');
        await page.fill('[data-testid="create-endpoint"] input[name="url"]', 'http://127.0.0.1:9/tongbao-hooks');
        await page.check('[data-testid="create-endpoint"] input[value="*"]');
        await submit(page, '[data-testid="create-endpoint"] button[type="submit"]');
        const whsec = await secretShown(page, 'endpoint-secret');
        expect(whsec).toMatch(/^whsec_/);
        await review(page, 'developers-webhook-created-en-US');
        await page.goto(`${web()}/dashboard/developers/webhooks`);
        expect(await page.locator('[data-testid="endpoint-secret"]').count()).toBe(0);
        expect(await page.content()).not.toContain(whsec);

        // A paid payment makes an event, delivered (and failing: nothing listens) to the endpoint.
        const payment = await createPayment(newKey);
        await pay(newKey, payment);
        await page.click('[data-testid="webhook-endpoints"] a');
        await page.waitForSelector('[data-testid="endpoint-url"]', { timeout: PAGE_WAIT_MS });
        await eventually(
          async () => {
            await page.reload();
            expect(await page.locator('[data-testid^="delivery-evt_"] li').count()).toBeGreaterThan(0);
          },
          { timeoutMs: 60_000, intervalMs: 2000 },
        );
        await review(page, 'developers-webhook-deliveries-en-US');
        await submit(page, '[data-testid="roll-secret"] button[type="submit"]');
        const rolledSecret = await secretShown(page, 'endpoint-secret');
        expect(rolledSecret).toMatch(/^whsec_/);
        expect(rolledSecret).not.toBe(whsec);
        await submit(page, '[data-testid="toggle-endpoint"]');
        expect(await page.textContent('[data-testid="endpoint-status"]')).toBe('Disabled');
        await review(page, 'developers-webhook-disabled-en-US');

        await page.goto(`${web()}/dashboard/developers/events`);
        await review(page, 'developers-events-listed-en-US');
        await page.click('[data-testid="events"] a');
        await page.waitForSelector('[data-testid="event-payload"]', { timeout: PAGE_WAIT_MS });
        expect(await page.textContent('[data-testid="event-payload"]')).toContain(`"id": "${payment.id}"`);
        await review(page, 'developers-event-detail-en-US');

        // Branding set in the console is what the hosted checkout shows.
        await page.goto(`${web()}/dashboard/checkout/branding`);
        await page.fill('input[name="display_name"]', 'Lei 茶 Traders');
        await page.setInputFiles('input[name="logo"]', {
          name: 'logo.png',
          mimeType: 'image/png',
          buffer: await drawLogo(),
        });
        await page.fill('input[name="brand_color"]', '#1b5e20');
        await page.uncheck('input[name="default_color"]');
        await page.selectOption('select[name="default_locale"]', 'en-US');
        await submit(page, '[data-testid="save-branding"]');
        await page.waitForSelector('[data-testid="branding-saved"]');
        await page.waitForSelector('[data-testid="branding-logo"]');
        await review(page, 'checkout-branding-en-US');
        await submit(page, '[data-testid="preview-checkout"]');
        expect(page.url()).toMatch(/\/pay\/cs_/);
        const header = page.locator('[data-testid="merchant-header"]');
        expect(await header.textContent()).toContain('Lei 茶 Traders');
        expect(await page.locator('[data-testid="merchant-logo"]').count()).toBe(1);
        expect(await page.getAttribute('html', 'lang')).toBe('en-US');
        await consoleScreenshot(page, 'checkout-branding-hosted-page-en-US');
      } finally {
        await closeContext(context);
      }
    },
    STORY_MS,
  );

  for (const locale of ['zh-CN', 'en-US'] as const) {
    test(
      `${locale}: every page of Developers, Checkout and Business settings, empty and filled, is readable and axe clean`,
      async () => {
        const context = await browser.newContext({ ...DESKTOP, locale });
        const page = await context.newPage();
        try {
          await signInWithNewBusiness(page, locale, locale === 'zh-CN' ? '李雷茶行' : 'Lei Tea House');
          // The nav leads to each section.
          for (const href of ['/dashboard/checkout', '/dashboard/developers', '/dashboard/settings'])
            expect(await page.locator(`nav a[href="${href}"]`).count()).toBe(1);

          await page.goto(`${web()}/dashboard/developers`);
          await review(page, `developers-keys-empty-${locale}`);
          await page.goto(`${web()}/dashboard/developers/events`);
          expect(await page.locator('[data-testid="events"] .empty').count()).toBe(1);
          await review(page, `developers-events-empty-${locale}`);
          await page.goto(`${web()}/dashboard/developers`);
          await submit(page, '[data-testid="create-key"] button[type="submit"]');
          const key = await secretShown(page, 'new-key-secret');
          await review(page, `developers-keys-${locale}`);
          await pay(key, await createPayment(key));
          await page.goto(`${web()}/dashboard/developers/events`);
          await review(page, `developers-events-${locale}`);
          await page.click('[data-testid="events"] a');
          await page.waitForSelector('[data-testid="event-payload"]', { timeout: PAGE_WAIT_MS });
          await review(page, `developers-event-detail-${locale}`);
          await page.goto(`${web()}/dashboard/developers/webhooks`);
          await page.fill('[data-testid="create-endpoint"] input[name="url"]', 'https://shop.example/hooks');
          await page.check('[data-testid="create-endpoint"] input[value="payment.succeeded"]');
          await submit(page, '[data-testid="create-endpoint"] button[type="submit"]');
          expect(await secretShown(page, 'endpoint-secret')).toMatch(/^whsec_/);
          await review(page, `developers-webhooks-${locale}`);
          await page.click('[data-testid="webhook-endpoints"] a');
          await page.waitForSelector('[data-testid="deliveries"]', { timeout: PAGE_WAIT_MS });
          await review(page, `developers-webhook-detail-${locale}`);

          await page.goto(`${web()}/dashboard/checkout`);
          expect(await page.locator('[data-testid="checkout-sessions"] .empty').count()).toBe(1);
          await review(page, `checkout-sessions-empty-${locale}`);

          await page.goto(`${web()}/dashboard/checkout/pricing`);
          await review(page, `checkout-pricing-empty-${locale}`);
          await page.fill('[data-testid="create-coupon"] input[name="code"]', 'SPRING10');
          await page.fill('[data-testid="create-coupon"] input[name="off"]', '10');
          await submit(page, '[data-testid="create-coupon"] button[type="submit"]');
          await page.waitForSelector('[data-testid="coupon-SPRING10"]');
          await page.fill('[data-testid="create-tax-rate"] input[name="display_name"]', 'VAT');
          await page.fill('[data-testid="create-tax-rate"] input[name="percentage"]', '6');
          await submit(page, '[data-testid="create-tax-rate"] button[type="submit"]');
          await page.waitForSelector('[data-testid^="tax-rate-txr_"]');
          await submit(page, '[data-testid="coupon-SPRING10"] button[type="submit"]');
          expect(await page.textContent('[data-testid="coupon-SPRING10"]')).toContain(
            locale === 'zh-CN' ? '已归档' : 'Archived',
          );
          // A bad percentage: the API's message, next to the form.
          await page.fill('[data-testid="create-tax-rate"] input[name="display_name"]', 'Bad');
          await page.fill('[data-testid="create-tax-rate"] input[name="percentage"]', 'lots');
          await submit(page, '[data-testid="create-tax-rate"] button[type="submit"]');
          await page.waitForSelector('[data-testid="pricing-error"]');
          await review(page, `checkout-pricing-${locale}`);

          await page.goto(`${web()}/dashboard/checkout/branding`);
          await review(page, `checkout-branding-empty-${locale}`);
          await submit(page, '[data-testid="preview-checkout"]');
          expect(page.url()).toMatch(/\/pay\/cs_/);
          await page.goto(`${web()}/dashboard/checkout?status=open`);
          expect(await page.locator('[data-testid^="session-cs_"]').count()).toBe(1);
          await review(page, `checkout-sessions-${locale}`);

          // The owner signed in with a password alone cannot yet require a second factor of everyone.
          await page.goto(`${web()}/dashboard/settings`);
          await review(page, `settings-${locale}`);
          await submit(page, '[data-testid="mfa-toggle"]');
          await page.waitForSelector('[data-testid="settings-error"]');
          expect(await page.textContent('[data-testid="mfa-state"]')).toBe(
            locale === 'zh-CN' ? '未要求' : 'not required',
          );
          await review(page, `settings-mfa-refused-${locale}`);
        } finally {
          await closeContext(context);
        }
      },
      STORY_MS,
    );
  }
});
