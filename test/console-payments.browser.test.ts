/**
 * The merchant console's payments in a real browser (Debian's Chromium, playwright-core) against
 * the test stack: a person signs in, names their business, makes a test payment with the console's
 * helper, pays it on the sandbox's buyer page, finds it by its order number, reads its timeline,
 * refunds part of it and sees the refund, exports the list as CSV, opens the payment's workflow in
 * the Temporal Web UI; an analyst of the same team sees no refund form and the API refuses them.
 * Every console page is checked with axe-core; screenshots go to
 * .tongbao/<stack name>/artifacts/screenshots/console/.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { closeContext, launchChromium, openBeforeHydration } from './browser';
import { accessibilityViolations, consoleScreenshot } from './console-browser';
import { createPerson, signIn, type TestPerson } from './kratos-sessions';
import { eventually, testStack, type FetchResult } from './stack';

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
const suffix = () => `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

/** Checks the page with axe-core, and keeps its screenshot. */
async function review(page: Page, name: string): Promise<void> {
  await consoleScreenshot(page, name);
  expect({ page: name, violations: await accessibilityViolations(page) }).toEqual({ page: name, violations: [] });
}

/** The API as the console's server calls it: the person's Kratos session and the merchant. */
async function asPerson<T = unknown>(
  session: string,
  method: 'GET' | 'POST',
  path: string,
  options: { merchant?: string; body?: unknown } = {},
): Promise<FetchResult<T>> {
  const headers: Record<string, string> = { 'tongbao-session': session, 'tongbao-mode': 'test' };
  if (options.merchant) headers['tongbao-merchant'] = options.merchant;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${testStack().api_url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as T, text };
}

/** Signs the browser in through the console's own sign-in page. */
async function signInThroughPage(page: Page, person: TestPerson, locale: string, landing: RegExp): Promise<void> {
  await page.goto(`${web()}/auth/login?lang=${locale}`);
  await page.waitForURL(/\/auth\/login\?.*flow=/, { timeout: PAGE_WAIT_MS });
  await page.fill('input[name="identifier"]', person.email);
  await page.fill('input[name="password"]', person.password);
  await page.click('[data-testid="submit-password-password"]');
  try {
    // Kratos, the web app and the API in turn, on two cores other stacks may share.
    await page.waitForURL(landing, { timeout: 2 * PAGE_WAIT_MS });
  } catch (error) {
    await consoleScreenshot(page, `failed-sign-in-${locale}`);
    throw new Error(`signing in ${person.email} ended on ${page.url()}: ${String(error)}`);
  }
}

/** Reloads `url` until `selector` shows up (a workflow finishing behind the page). */
async function reloadUntil(page: Page, url: string, selector: string): Promise<void> {
  await eventually(
    async () => {
      await page.goto(url);
      expect(await page.locator(selector).count()).toBeGreaterThan(0);
    },
    { timeoutMs: 60_000, intervalMs: 1_000 },
  );
}

describe('the merchant console: payments, refunds, customers', () => {
  for (const locale of ['zh-CN', 'en-US'] as const) {
    test(
      `${locale}: a test payment made with the helper, paid in the sandbox, found by its order number, refunded in part; an analyst cannot refund`,
      async () => {
        const contexts: BrowserContext[] = [];
        const newPage = async () => {
          const context = await browser.newContext({ ...DESKTOP, locale });
          contexts.push(context);
          return context.newPage();
        };
        try {
          // Signed in, the person names their business on the welcome page.
          const owner = await createPerson({ locale, name: locale === 'zh-CN' ? '李娜' : 'Na Li' });
          const page = await newPage();
          await signInThroughPage(page, owner, locale, /\/dashboard\/welcome$/);
          await page.fill('input[name="name"]', locale === 'zh-CN' ? '李娜花店' : "Na's Flowers");
          await page.click('[data-testid="create-merchant"]');
          await page.waitForURL(/\/dashboard$/, { timeout: PAGE_WAIT_MS });
          expect(await page.getAttribute('html', 'lang')).toBe(locale);
          await page.waitForSelector('[data-testid="overview-empty"]');
          await review(page, `overview-empty-${locale}`);

          await page.click(`nav a[href="/dashboard/payments"]`);
          await page.waitForSelector('[data-testid="payments-empty"]');
          await review(page, `payments-empty-${locale}`);

          // The helper makes a test payment and opens its page.
          await page.click('[data-testid="new-test-payment"]');
          await page.waitForSelector('[data-testid="new-payment-form"]');
          await review(page, `payment-new-${locale}`);
          const orderNo = `order-${suffix()}`;
          await page.fill('input[name="amount"]', '25.80');
          await page.selectOption('select[name="channel"]', 'alipay_qr');
          await page.fill('input[name="merchant_order_no"]', orderNo);
          await page.fill('input[name="description"]', locale === 'zh-CN' ? '玫瑰花束' : 'Bunch of roses');
          await page.click('[data-testid="create-test-payment"]');
          await page.waitForURL(/\/dashboard\/payments\/pay_[0-9A-Za-z]+$/, { timeout: PAGE_WAIT_MS });
          const paymentUrl = page.url();
          const paymentId = paymentUrl.split('/').at(-1)!;
          expect(await page.textContent('[data-testid="payment-order-no"]')).toBe(orderNo);
          await page.waitForSelector('[data-testid="next-action"] svg');
          await review(page, `payment-pending-${locale}`);

          // The QR code's link is the sandbox's buyer page: the shopper pays there.
          const payLink = (await page.getAttribute('[data-testid="sandbox-pay-link"]', 'href'))!;
          expect(payLink.startsWith(testStack().sandbox_url)).toBe(true);
          const phone = await newPage();
          await phone.goto(payLink);
          await phone.getByTestId('pay').click();
          await reloadUntil(page, paymentUrl, '[data-testid="refund-form"]');

          // Found by its order number in the payments search.
          await page.goto(`${web()}/dashboard/payments`);
          await page.fill('[data-testid="payment-search"]', orderNo);
          await page.click('[data-testid="apply-filters"]');
          await page.waitForURL(/\/dashboard\/payments\?.*q=/, { timeout: PAGE_WAIT_MS });
          expect(await page.locator('[data-testid="payments"] tbody tr').count()).toBe(1);
          expect(await page.getAttribute(`[data-testid="payment-${paymentId}"] [data-status]`, 'data-status')).toBe(
            'succeeded',
          );
          await review(page, `payments-${locale}`);
          // The other filters narrow the same search: amounts in yuan, statuses, China days.
          const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
          const search = `${web()}/dashboard/payments?q=${orderNo}`;
          await page.goto(`${search}&amount_min=25.80&amount_max=25.80&status=succeeded&from=${today}&to=${today}`);
          expect(await page.locator(`[data-testid="payment-${paymentId}"]`).count()).toBe(1);
          await page.goto(`${search}&amount_min=25.81`);
          await page.waitForSelector('[data-testid="payments-empty"]');
          await page.goto(`${search}&amount_min=abc`);
          expect(
            await page.getAttribute('[data-testid="payment-filters"] input[name="amount_min"]', 'aria-invalid'),
          ).toBe('true');
          expect(await page.getByRole('alert').textContent()).toBe(
            locale === 'zh-CN' ? '请输入以元为单位的金额,例如 19.90。' : 'Enter an amount in yuan, such as 19.90.',
          );
          await page.goto(`${search}`);
          await page.click(`[data-testid="payment-${paymentId}"] a`);
          await page.waitForURL(paymentUrl, { timeout: PAGE_WAIT_MS });

          // Its timeline: created, then paid after the provider's notification.
          const kinds = await page
            .locator('[data-testid="timeline"] > li')
            .evaluateAll((items) => items.map((item) => item.getAttribute('data-kind')));
          expect(kinds).toContain('payment_transition');
          expect(kinds).toContain('provider_notification');
          await review(page, `payment-${locale}`);

          // A partial refund, confirmed, shows on the payment.
          await page.fill('[data-testid="refund-form"] input[name="amount"]', '10.80');
          await page.fill(
            '[data-testid="refund-form"] input[name="reason"]',
            locale === 'zh-CN' ? '少送一枝' : 'One rose short',
          );
          await page.check('[data-testid="refund-form"] input[name="confirm"]');
          await page.click('[data-testid="refund"]');
          await page.waitForSelector('[data-testid="refund-created"]', { timeout: PAGE_WAIT_MS });
          expect(await page.locator('[data-testid="payment-refunds"] tbody tr').count()).toBe(1);
          expect(await page.textContent('[data-testid="payment-refunded"]')).toContain('10.80');
          await review(page, `payment-refunded-${locale}`);
          const refundId = (await page.textContent('[data-testid="payment-refunds"] tbody tr code'))!.trim();
          expect(refundId).toMatch(/^re_/);

          await page.click('nav a[href="/dashboard/refunds"]');
          await page.waitForSelector(`[data-testid="refund-${refundId}"]`);
          await review(page, `refunds-${locale}`);
          await page.click(`[data-testid="refund-${refundId}"] a[href="/dashboard/refunds/${refundId}"]`);
          await page.waitForSelector('[data-testid="refund-details"]');
          expect(await page.textContent('[data-testid="refund-amount"]')).toContain('10.80');
          await review(page, `refund-${locale}`);

          // The overview counts it; the period links switch the report.
          await page.goto(`${web()}/dashboard`);
          await page.click('[data-testid="period-1"]');
          await page.waitForURL(/\/dashboard\?days=1$/, { timeout: PAGE_WAIT_MS });
          expect(await page.textContent('[data-testid="overview-count"]')).toBe('1');
          expect(await page.textContent('[data-testid="overview-volume"]')).toContain('25.80');
          expect(await page.locator('svg[role="img"]').getAttribute('aria-label')).toBeTruthy();
          await review(page, `overview-${locale}`);

          // The filtered list as CSV: the export's page, then the file through the web app.
          await page.goto(`${web()}/dashboard/payments?q=${orderNo}`);
          await page.click('[data-testid="export"]');
          await page.waitForURL(/\/dashboard\/payments\/exports\/pexp_/, { timeout: PAGE_WAIT_MS });
          await reloadUntil(page, page.url(), '[data-testid="export-download"]');
          await review(page, `export-${locale}`);
          const csv = await page.request.get(
            new URL((await page.getAttribute('[data-testid="export-download"]', 'href'))!, web()).href,
          );
          expect(csv.status()).toBe(200);
          expect(csv.headers()['content-type']).toMatch(/^text\/csv/);
          const rows = (await csv.text()).trim().split('\r\n');
          expect(rows).toHaveLength(2);
          expect(rows[1]).toContain(paymentId);

          // A customer of the shop and their payment (made through the API, as a shop's server does).
          const ownerSession = await signIn(owner);
          const consoleSession = await asPerson<{ memberships: { merchant: { id: string } }[] }>(
            ownerSession,
            'GET',
            '/v1/console/session',
          );
          const merchant = consoleSession.body.memberships[0].merchant.id;
          const customer = await asPerson<{ id: string }>(ownerSession, 'POST', '/v1/customers', {
            merchant,
            body: { email: `buyer-${suffix()}@example.com`, name: locale === 'zh-CN' ? '张伟' : 'Wei Zhang' },
          });
          expect(customer.status).toBe(201);
          const customerPayment = await asPerson<{ id: string }>(ownerSession, 'POST', '/v1/payments', {
            merchant,
            body: {
              amount: 990,
              currency: 'CNY',
              channel: 'wechat_native',
              description: 'Vase',
              customer: customer.body.id,
            },
          });
          expect(customerPayment.status).toBe(201);
          await page.goto(`${web()}/dashboard/customers`);
          await page.waitForSelector(`[data-testid="customer-${customer.body.id}"]`);
          await review(page, `customers-${locale}`);
          await page.click(`[data-testid="customer-${customer.body.id}"] a`);
          await page.waitForSelector('[data-testid="customer-payments"]');
          expect(await page.textContent('[data-testid="customer-payments"]')).toContain(customerPayment.body.id);
          await review(page, `customer-${locale}`);

          // Another shop's or a made-up payment: the console's own error page, nav and all.
          const missing = await page.goto(`${web()}/dashboard/payments/pay_${'0'.repeat(22)}`);
          expect(missing?.status()).toBe(404);
          await page.waitForSelector('[data-testid="console-error"]');
          await review(page, `payment-not-found-${locale}`);

          // The payment's workflow in the Temporal Web UI.
          await page.goto(paymentUrl);
          const workflowLink = (await page.getAttribute('[data-testid="workflow-link"]', 'href'))!;
          expect(workflowLink).toBe(
            `${testStack().temporal_ui_url}/namespaces/default/workflows/${encodeURIComponent(`payment/${paymentId}`)}`,
          );
          const temporal = await newPage();
          await temporal.goto(workflowLink);
          await temporal.getByText(`payment/${paymentId}`).first().waitFor({ timeout: PAGE_WAIT_MS });
          await consoleScreenshot(temporal, `temporal-workflow-${locale}`);

          // An analyst of the team sees the payment but no refund form, and the API refuses them.
          const analyst = await createPerson({ locale, name: 'Analyst' });
          const invited = await asPerson(ownerSession, 'POST', '/v1/team/members', {
            merchant,
            body: { email: analyst.email, role: 'analyst', locale },
          });
          expect(invited.status).toBe(201);
          const analystPage = await newPage();
          await signInThroughPage(analystPage, analyst, locale, /\/dashboard$/);
          await analystPage.goto(paymentUrl);
          await analystPage.waitForSelector('[data-testid="payment-details"]');
          expect(await analystPage.locator('[data-testid="refund-form"]').count()).toBe(0);
          expect(await analystPage.locator('[data-testid="refund"]').count()).toBe(0);
          await review(analystPage, `payment-as-analyst-${locale}`);
          await analystPage.goto(`${web()}/dashboard/payments`);
          expect(await analystPage.locator('[data-testid="new-test-payment"]').count()).toBe(0);
          const analystSession = await signIn(analyst);
          const refused = await asPerson<{ error: { code: string } }>(analystSession, 'POST', '/v1/refunds', {
            merchant,
            body: { payment: paymentId, amount: 100 },
          });
          expect(refused.status).toBe(403);
          expect(refused.body.error.code).toBe('role_forbidden');
        } finally {
          for (const context of contexts) await closeContext(context);
        }
      },
      STORY_MS,
    );
  }

  test(
    'what a person types before a console page has hydrated is kept: a business name, a payments search; a cleared filter empties its field',
    async () => {
      const context = await browser.newContext({ ...DESKTOP, locale: 'en-US' });
      try {
        const owner = await createPerson({ locale: 'en-US', name: 'Wei Zhang' });
        await signInThroughPage(await context.newPage(), owner, 'en-US', /\/dashboard\/welcome$/);

        // The business is named while the page's JavaScript is still on its way (a slow network).
        const welcome = await context.newPage();
        const hydrateWelcome = await openBeforeHydration(welcome, `${web()}/dashboard/welcome`);
        await welcome.fill('input[name="name"]', 'Wei Tea House');
        await hydrateWelcome();
        expect(await welcome.inputValue('input[name="name"]')).toBe('Wei Tea House');
        await welcome.click('[data-testid="create-merchant"]');
        await welcome.waitForURL(/\/dashboard$/, { timeout: PAGE_WAIT_MS });

        // So is a search typed into the payments list's filter.
        const list = await context.newPage();
        const hydrateList = await openBeforeHydration(list, `${web()}/dashboard/payments`);
        await list.fill('[data-testid="payment-search"]', 'order-nobody-has');
        await hydrateList();
        expect(await list.inputValue('[data-testid="payment-search"]')).toBe('order-nobody-has');
        await list.click('[data-testid="apply-filters"]');
        await list.waitForURL(/\/dashboard\/payments\?.*q=order-nobody-has/, { timeout: PAGE_WAIT_MS });
        expect(await list.textContent('[data-testid="payments-empty"]')).toBe('No payment matches these filters.');
        expect(await list.inputValue('[data-testid="payment-search"]')).toBe('order-nobody-has');
        // Cleared (the page's own navigation, the form stays on the page): the field shows no search.
        await list.click('[data-testid="clear-filters"]');
        await list.waitForURL(/\/dashboard\/payments$/, { timeout: PAGE_WAIT_MS });
        await list.waitForSelector('[data-testid="clear-filters"]', { state: 'detached' });
        expect(await list.inputValue('[data-testid="payment-search"]')).toBe('');
        // A search sent with Enter: the rebuilt field keeps the focus, so the next search is typed at once.
        await list.fill('[data-testid="payment-search"]', 'order-still-nobody');
        await list.press('[data-testid="payment-search"]', 'Enter');
        await list.waitForURL(/\/dashboard\/payments\?.*q=order-still-nobody/, { timeout: PAGE_WAIT_MS });
        await eventually(async () =>
          expect(await list.locator('[data-testid="payment-search"]:focus').count()).toBe(1),
        );
        expect(await list.inputValue('[data-testid="payment-search"]')).toBe('order-still-nobody');
      } finally {
        await closeContext(context);
      }
    },
    STORY_MS,
  );
});
