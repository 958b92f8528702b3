/**
 * The admin console in a real browser (Debian's Chromium, playwright-core) against the test stack:
 * a superadmin made through Kratos' admin API signs in, is sent to set up an authenticator app
 * (every admin page needs a second factor), signs out and in again with it; sees a refund made stuck
 * by a sandbox fault on the overview and in the queue, retries it once the fault is lifted and sees
 * it succeed without reloading, cancels another the provider never took; a viewer sees the queue
 * without buttons. Every page is checked with axe-core; screenshots go to
 * .tongbao/<stack name>/artifacts/screenshots/console/admin-*.png.
 */
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { closeContext, launchChromium, openBeforeHydration } from './browser';
import { accessibilityViolations, consoleScreenshot, totpCode } from './console-browser';
import { consoleFetch, createPerson, staffSession, type TestPerson } from './kratos-sessions';
import { adminFetch, apiFetch, createTestMerchant, eventually, sandboxControl, testStack } from './stack';

const STORY_MS = 300_000;
const PAGE_WAIT_MS = 30_000;
const DESKTOP = { viewport: { width: 1280, height: 900 } };

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

const web = () => testStack().web_url;

async function review(page: Page, name: string): Promise<void> {
  await consoleScreenshot(page, `admin-${name}`);
  expect({ page: name, violations: await accessibilityViolations(page) }).toEqual({ page: name, violations: [] });
}

/** The password step of the sign-in page, the browser asking for `path` first. */
async function signInWithPassword(page: Page, person: TestPerson, path: string, locale: string): Promise<void> {
  await page.goto(`${web()}${path}?lang=${locale}`);
  await page.waitForURL(/\/auth\/login\?.*flow=/, { timeout: PAGE_WAIT_MS });
  await page.fill('input[name="identifier"]', person.email);
  await page.fill('input[name="password"]', person.password);
  await page.click('[data-testid="submit-password-password"]');
}

/** A WeChat Pay refund the sandbox refuses with a system error until `lift` is called: it ends in requires_attention. */
async function stuckRefund(key: string, amount: number): Promise<{ id: string; lift: () => Promise<void> }> {
  const payment = await apiFetch<{ id: string; out_trade_no: string }>(key, 'POST', '/v1/payments', {
    amount,
    currency: 'CNY',
    channel: 'wechat_native',
    merchant_order_no: `admin-${randomUUID()}`,
    description: 'Admin console story',
  });
  expect(payment.status).toBe(201);
  await sandboxControl('POST', '/_control/pay', {
    provider: 'wechatpay',
    out_trade_no: payment.body.out_trade_no,
    outcome: 'success',
  });
  await eventually(async () =>
    expect((await apiFetch<{ status: string }>(key, 'GET', `/v1/payments/${payment.body.id}`)).body.status).toBe(
      'succeeded',
    ),
  );
  const fault = await sandboxControl<{ id: string }>('POST', '/_control/faults', {
    provider: 'wechatpay',
    out_trade_no: payment.body.out_trade_no,
    api: { fail: 'system_error', methods: ['POST /v3/refund/domestic/refunds'] },
  });
  expect(fault.status).toBe(201);
  const refund = await apiFetch<{ id: string }>(key, 'POST', '/v1/refunds', { payment: payment.body.id, amount });
  expect(refund.status).toBe(201);
  await eventually(
    async () =>
      expect((await apiFetch<{ status: string }>(key, 'GET', `/v1/refunds/${refund.body.id}`)).body.status).toBe(
        'requires_attention',
      ),
    { timeoutMs: 60_000 },
  );
  return {
    id: refund.body.id,
    lift: async () => {
      expect((await sandboxControl('DELETE', `/_control/faults/${fault.body.id}`)).status).toBe(200);
    },
  };
}

describe('the admin console', () => {
  for (const locale of ['zh-CN', 'en-US'] as const) {
    test(
      `${locale}: a superadmin made through Kratos' admin API signs in, sets up TOTP, signs in with it, retries and cancels stuck refunds`,
      async () => {
        const admin = await createPerson({ schema: 'staff', name: `Admin ${locale}`, locale });
        expect((await adminFetch('POST', '/v1/admin/staff', { email: admin.email, role: 'superadmin' })).status).toBe(
          201,
        );
        const { secretKey: key } = await createTestMerchant(`Admin story ${locale}`);
        const [toRetry, toCancel] = await Promise.all([stuckRefund(key, 600), stuckRefund(key, 700)]);

        const context = await browser.newContext({ ...DESKTOP, locale });
        const page = await context.newPage();
        try {
          // No second factor yet: the console sends the admin to set one up.
          await signInWithPassword(page, admin, '/admin', locale);
          await page.waitForSelector('[data-testid="admin-second-factor"]', { timeout: 2 * PAGE_WAIT_MS });
          await page.waitForSelector('[data-testid="settings-totp"]', { timeout: PAGE_WAIT_MS });
          await review(page, `second-factor-setup-${locale}`);
          const secret = (await page.textContent('[data-testid="totp-secret"]'))!.trim();
          await page.fill('[data-testid="settings-totp"] input[name="totp_code"]', totpCode(secret));
          await page.click('[data-testid="settings-totp"] button[type="submit"]');
          await page.waitForSelector('[data-testid="flow-message-1050001"]', { timeout: PAGE_WAIT_MS });
          await page.click('[data-testid="back-to-console"]');
          await page.waitForURL(/\/admin$/, { timeout: PAGE_WAIT_MS });

          // Out and in again: password, then the authenticator's code.
          await page.click('[data-testid="sign-out"]');
          await page.waitForURL(/\/auth\/login/, { timeout: PAGE_WAIT_MS });
          await signInWithPassword(page, admin, '/admin', locale);
          await page.waitForSelector('input[name="totp_code"]', { timeout: 2 * PAGE_WAIT_MS });
          await review(page, `sign-in-totp-${locale}`);
          await page.fill('input[name="totp_code"]', totpCode(secret));
          await page.click('button[name="method"][value="totp"]');
          await page.waitForURL(/\/admin$/, { timeout: 2 * PAGE_WAIT_MS });

          // The overview counts the stuck refunds and links to their queue.
          const counted = Number((await page.textContent('[data-testid="counter-stuck-refunds"]'))!.replace('+', ''));
          expect(counted).toBeGreaterThanOrEqual(2);
          await review(page, `overview-${locale}`);
          await page.click('a[href="/admin/refunds/stuck"]');
          await page.waitForSelector(`[data-testid="stuck-${toRetry.id}"]`, { timeout: PAGE_WAIT_MS });
          // The provider's last answer, as the refund's activity recorded it.
          expect(await page.textContent(`[data-testid="answer-${toRetry.id}"]`)).toContain('SYSTEM_ERROR');
          await review(page, `stuck-refunds-${locale}`);

          // Retry once the provider is back: the outcome shows in the row, without a reload.
          await toRetry.lift();
          // A mark on the page's window: a reload would lose it (strings: the root tsconfig has no DOM types).
          await page.evaluate('window.storyMarker = 1');
          await page.click(`[data-testid="retry-${toRetry.id}"] summary`);
          await page.fill(`[data-testid="retry-${toRetry.id}"] textarea[name="reason"]`, 'WeChat Pay is back');
          await review(page, `stuck-refund-confirm-${locale}`);
          await page.click(`[data-testid="confirm-retry-${toRetry.id}"]`);
          await page.waitForSelector(`[data-testid="outcome-${toRetry.id}"]`, { timeout: 2 * PAGE_WAIT_MS });
          expect(await page.evaluate<number>('window.storyMarker')).toBe(1);
          await eventually(
            async () =>
              expect((await apiFetch<{ status: string }>(key, 'GET', `/v1/refunds/${toRetry.id}`)).body.status).toBe(
                'succeeded',
              ),
            { timeoutMs: 60_000 },
          );

          // Cancel the other: the provider never took it.
          await page.click(`[data-testid="cancel-${toCancel.id}"] summary`);
          await page.fill(`[data-testid="cancel-${toCancel.id}"] textarea[name="reason"]`, 'Merchant asked to stop');
          await page.click(`[data-testid="confirm-cancel-${toCancel.id}"]`);
          await page.waitForSelector(`[data-testid="outcome-${toCancel.id}"]`, { timeout: 2 * PAGE_WAIT_MS });
          expect(await page.getAttribute(`[data-testid="status-${toCancel.id}"] [data-status]`, 'data-status')).toBe(
            'canceled',
          );
          await review(page, `stuck-refunds-done-${locale}`);
          await toCancel.lift();

          await page.goto(`${web()}/admin/staff`);
          await page.waitForSelector('[data-testid="staff"]', { timeout: PAGE_WAIT_MS });
          expect(await page.locator(`[data-testid="staff-${admin.email}"]`).count()).toBe(1);
          await review(page, `staff-${locale}`);
        } finally {
          await closeContext(context);
        }
      },
      STORY_MS,
    );
  }

  test(
    'an e-mail and password typed before the sign-in page has hydrated are the ones sent (hydration keeps them)',
    async () => {
      const admin = await createPerson({ schema: 'staff', locale: 'en-US' });
      expect((await adminFetch('POST', '/v1/admin/staff', { email: admin.email, role: 'viewer' })).status).toBe(201);
      const context = await browser.newContext({ ...DESKTOP, locale: 'en-US' });
      const page = await context.newPage();
      try {
        // The admin types while the page's JavaScript is still on its way.
        const hydrate = await openBeforeHydration(page, `${web()}/admin?lang=en-US`);
        await page.waitForURL(/\/auth\/login\?.*flow=/, { timeout: PAGE_WAIT_MS });
        await page.fill('input[name="identifier"]', admin.email);
        await page.fill('input[name="password"]', admin.password);
        await hydrate();
        expect(await page.inputValue('input[name="identifier"]')).toBe(admin.email);
        expect(await page.inputValue('input[name="password"]')).toBe(admin.password);
        await page.click('[data-testid="submit-password-password"]');
        // Signed in: no second factor yet, so the console sends the admin to set one up.
        await page.waitForSelector('[data-testid="admin-second-factor"]', { timeout: 2 * PAGE_WAIT_MS });
      } finally {
        await closeContext(context);
      }
    },
    STORY_MS,
  );

  test(
    'a viewer sees the queue without buttons, and the API refuses their retry',
    async () => {
      const viewer = await staffSession('viewer');
      const context = await browser.newContext({ ...DESKTOP, locale: 'en-US' });
      await context.addCookies([
        { name: 'ory_kratos_session', value: viewer.session, url: web(), httpOnly: true, sameSite: 'Lax' },
      ]);
      const page = await context.newPage();
      try {
        // The viewer's Kratos locale is zh-CN: the page is asked for in English, and says so.
        await page.goto(`${web()}/admin/refunds/stuck?lang=en-US`);
        await page.waitForSelector('[data-testid="stuck-refunds"], [data-testid="stuck-empty"]', {
          timeout: PAGE_WAIT_MS,
        });
        expect(await page.getAttribute('html', 'lang')).toBe('en-US');
        // Other stories leave stuck refunds behind; none of them offers the viewer a button.
        expect(await page.locator('[data-testid^="retry-"], [data-testid^="cancel-"], main form').count()).toBe(0);
        expect(
          await page
            .locator('button, summary')
            .filter({ hasText: /Retry|Cancel refund/ })
            .count(),
        ).toBe(0);
        await review(page, 'stuck-refunds-as-viewer-en-US');
        await page.goto(`${web()}/admin/staff`);
        await page.waitForSelector('[data-testid="staff"]', { timeout: PAGE_WAIT_MS });
        expect(await page.locator('[data-testid="staff-invite"]').count()).toBe(0);
        // What the page hides, the API refuses: the role is checked before the refund is looked up.
        const retry = await consoleFetch<{ error: { code: string } }>(
          viewer.session,
          'POST',
          '/v1/admin/refunds/re_anything/retry',
          { body: { reason: 'trying' } },
        );
        expect(retry.status).toBe(403);
        expect(retry.body.error.code).toBe('role_forbidden');
      } finally {
        await closeContext(context);
      }
    },
    STORY_MS,
  );
});
