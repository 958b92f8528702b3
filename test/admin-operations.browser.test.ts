/**
 * The admin console's operations pages in a real browser (Debian's Chromium, playwright-core)
 * against the test stack, in both languages: with a paid payment of an end user, a forged provider
 * notification and a reconciliation run that found a charge missing here made first through the API,
 * an operator reads the overview, the payments and one payment's timeline, the refunds, the
 * notifications log and the forged one's verification and body, reconciliation, end users and the
 * audit log; resolves the discrepancy with a note and erases the end user through the pages. A
 * viewer sees the same pages without a button. Every page is checked with axe-core; screenshots
 * go to .tongbao/<stack name>/artifacts/screenshots/console/admin-*.png.
 */
import type { Browser, Page } from 'playwright-core';
import { chinaDate } from '../domain/china-time';
import { closeContext, launchChromium } from './browser';
import { reviewPage, signedInContext } from './console-browser';
import { queryDb } from './db';
import { staffSession } from './kratos-sessions';
import { adminFetch, apiFetch, createTestMerchant, eventually, sandboxControl, testStack } from './stack';

const STORY_MS = 300_000;
const PAGE_WAIT_MS = 30_000;

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

const web = () => testStack().web_url;

/** Each page's screenshot is admin-…png. */
const review = (page: Page, name: string) => reviewPage(page, `admin-${name}`);

interface Story {
  merchantId: string;
  payment: string;
  customer: string;
  notification: string;
  account: string;
  date: string;
  discrepancy: string;
}

/** What the pages show, made through the API: a merchant's paid payment of an end user, a forged notification, a run with a discrepancy. */
async function storyData(name: string): Promise<Story> {
  const { merchantId, secretKey: key } = await createTestMerchant(name);
  const customer = await apiFetch<{ id: string }>(key, 'POST', '/v1/customers', {
    name: `Wang ${name}`,
    email: `wang-${Date.now()}@example.com`,
  });
  expect(customer.status).toBe(201);
  const created = await apiFetch<{ id: string; out_trade_no: string }>(key, 'POST', '/v1/payments', {
    amount: 2500,
    currency: 'CNY',
    channel: 'alipay_qr',
    customer: customer.body.id,
    description: 'Admin operations pages story',
  });
  expect(created.status).toBe(201);
  expect(
    (
      await sandboxControl('POST', '/_control/pay', {
        provider: 'alipay',
        out_trade_no: created.body.out_trade_no,
        outcome: 'success',
      })
    ).status,
  ).toBe(200);
  const paid = await eventually(async () => {
    const payment = (
      await apiFetch<{ status: string; succeeded_at: string }>(key, 'GET', `/v1/payments/${created.body.id}`)
    ).body;
    expect(payment.status).toBe('succeeded');
    return payment;
  });

  // A notification whose signature is not Alipay's: refused, and in the log with why.
  const open = await apiFetch<{ out_trade_no: string }>(key, 'POST', '/v1/payments', {
    amount: 1999,
    currency: 'CNY',
    channel: 'alipay_qr',
    description: 'Forged notification',
  });
  const trade = (await sandboxControl('GET', `/_control/trades/alipay/${open.body.out_trade_no}`)).body as {
    notify_url: string;
    app_id: string;
  };
  await fetch(trade.notify_url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      app_id: trade.app_id,
      out_trade_no: open.body.out_trade_no,
      total_amount: '19.99',
      trade_status: 'TRADE_SUCCESS',
      notify_id: `forged-pages-${Date.now()}`,
      sign_type: 'RSA2',
      sign: Buffer.from('not a signature').toString('base64'),
    }),
  });
  const notification = await eventually(async () => {
    const log = await adminFetch<{ data: { id: string }[] }>(
      'GET',
      `/v1/admin/provider_notifications?merchant=${merchantId}&outcome=refused`,
    );
    expect(log.body.data.length).toBeGreaterThan(0);
    return log.body.data[0].id;
  });

  // The day's statement has a charge we never made: the run finds it missing here.
  const [account] = await queryDb<{ id: string; external_id: string }>(
    "select id, external_id from provider_accounts where merchant_id = $1 and provider = 'alipay'",
    [merchantId],
  );
  const date = chinaDate(new Date(paid.succeeded_at));
  const ghost = `ghost${Date.now()}`;
  expect(
    (
      await sandboxControl('POST', '/_control/statement_edits', {
        provider: 'alipay',
        account: account.external_id,
        date,
        edit: 'add',
        out_trade_no: ghost,
        amount: 4400,
      })
    ).status,
  ).toBe(201);
  expect(
    (await adminFetch('POST', '/v1/admin/reconciliation_runs', { provider_account: account.id, date })).status,
  ).toBe(200);
  const found = await adminFetch<{ data: { id: string; out_trade_no: string }[] }>(
    'GET',
    `/v1/admin/reconciliation_discrepancies?provider_account=${account.id}&date=${date}&status=open`,
  );
  const discrepancy = found.body.data.find((d) => d.out_trade_no === ghost)!.id;
  return {
    merchantId,
    payment: created.body.id,
    customer: customer.body.id,
    notification,
    account: account.id,
    date,
    discrepancy,
  };
}

async function visit(page: Page, path: string, selector: string): Promise<void> {
  await page.goto(`${web()}${path}`);
  await page.waitForSelector(selector, { timeout: PAGE_WAIT_MS });
}

describe('the admin console operations pages', () => {
  for (const locale of ['zh-CN', 'en-US'] as const) {
    test(
      `${locale}: an operator reads every page, resolves a discrepancy with a note and erases an end user`,
      async () => {
        const story = await storyData(`Operations pages ${locale}`);
        const operator = await staffSession('operator');
        const context = await signedInContext(browser, operator.session, locale);
        const page = await context.newPage();
        const shot = (name: string) => review(page, `${name}-${locale}`);
        try {
          await visit(page, '/admin?period=30d', '[data-testid="by-provider"]');
          expect(await page.getAttribute('[data-testid="period-30d"]', 'aria-current')).toBe('page');
          expect(await page.getAttribute('html', 'lang')).toBe(locale);
          expect(Number(await page.textContent('[data-testid="counter-notifications-refused"]'))).toBeGreaterThan(0);
          expect(Number(await page.textContent('[data-testid="counter-discrepancies"]'))).toBeGreaterThan(0);
          expect(await page.getAttribute('[data-testid="queue-messages-failed"]', 'href')).toBe(
            '/admin/messages?status=failed',
          );
          // Every bar of the charts is named, and every channel by a name of its own.
          const channelRows = await page.locator('[data-testid="by-channel"] table.table tbody th').allTextContents();
          expect(channelRows.length).toBeGreaterThan(0);
          expect(new Set(channelRows).size).toBe(channelRows.length);
          const charts = await page.locator('[data-testid="by-channel"] [data-testid="bar-rows"]').all();
          expect(charts).toHaveLength(2);
          for (const chart of charts) expect(await chart.locator('tbody th').allTextContents()).toEqual(channelRows);
          await shot('overview');
          // The refused notifications counter leads to the log filtered by that outcome.
          await page.click('[data-testid="queue-notifications-refused"]');
          await page.waitForSelector('[data-testid="notifications"]', { timeout: PAGE_WAIT_MS });
          expect(await page.inputValue('[data-testid="outcome-filter"]')).toBe('refused');

          await visit(page, `/admin/payments?merchant=${story.merchantId}`, `[data-testid="payment-${story.payment}"]`);
          await shot('payments');
          await page.click(`[data-testid="payment-${story.payment}"] a >> nth=0`);
          await page.waitForSelector('[data-testid="timeline"]', { timeout: PAGE_WAIT_MS });
          expect(await page.textContent('[data-testid="payment-details"]')).toContain(story.merchantId);
          // The stack's Temporal Web UI, at the payment's workflow.
          expect(await page.getAttribute('[data-testid="workflow-link"]', 'href')).toContain(
            `/workflows/${encodeURIComponent(`payment/${story.payment}`)}`,
          );
          await shot('payment');

          await visit(page, '/admin/refunds', '[data-testid="refunds"], [data-testid="refunds-empty"]');
          await shot('refunds');

          await visit(
            page,
            `/admin/notifications?merchant=${story.merchantId}`,
            `[data-testid="notification-${story.notification}"]`,
          );
          await shot('notifications');
          await visit(page, `/admin/notifications/${story.notification}`, '[data-testid="notification-body"]');
          expect(await page.textContent('[data-testid="notification-body"]')).toContain('forged-pages-');
          expect((await page.textContent('[data-testid="notification-reason"]'))!.trim()).not.toBe('—');
          await shot('notification');

          // Resolving needs a note; the row then shows it, without reloading the page.
          await visit(
            page,
            `/admin/reconciliation?provider_account=${story.account}&date=${story.date}`,
            `[data-testid="discrepancy-${story.discrepancy}"]`,
          );
          expect(await page.locator('[data-testid="rerun"]').count()).toBe(1);
          await page.click(`[data-testid="resolve-${story.discrepancy}"] summary`);
          await shot('reconciliation');
          const note = `Booked to this account by the provider by mistake (${locale}).`;
          await page.fill(`[data-testid="resolve-${story.discrepancy}"] textarea[name="note"]`, note);
          await page.click(`[data-testid="confirm-resolve-${story.discrepancy}"]`);
          await page.waitForSelector(`[data-testid="resolved-${story.discrepancy}"]`, { timeout: PAGE_WAIT_MS });
          expect(await page.textContent(`[data-testid="discrepancy-${story.discrepancy}"]`)).toContain(note);
          const resolved = await adminFetch<{ data: { id: string; resolution_note: string }[] }>(
            'GET',
            `/v1/admin/reconciliation_discrepancies?provider_account=${story.account}&date=${story.date}&status=resolved`,
          );
          expect(resolved.body.data.find((d) => d.id === story.discrepancy)?.resolution_note).toBe(note);

          await visit(
            page,
            `/admin/customers?merchant=${story.merchantId}`,
            `[data-testid="customer-${story.customer}"]`,
          );
          await shot('customers');
          await visit(page, `/admin/customers/${story.customer}`, '[data-testid="customer-payments"]');
          await page.click('[data-testid="erase"] summary');
          await shot('customer');
          await page.check('[data-testid="erase"] input[name="confirm"]');
          await page.click('[data-testid="confirm-erase"]');
          await page.waitForSelector('[data-testid="erase-done"]', { timeout: PAGE_WAIT_MS });
          const erased = await adminFetch<{ deleted?: boolean; email: string | null }>(
            'GET',
            `/v1/admin/customers/${story.customer}`,
          );
          expect(erased.body).toMatchObject({ deleted: true, email: null });

          // The erase is in the audit log with the operator as its actor (the API records a staff
          // member's erase without the customer's merchant, so the page is filtered by the object).
          await visit(page, `/admin/audit?object_id=${story.customer}`, '[data-testid="audit-log"]');
          const audit = await page.textContent('[data-testid="audit-log"]');
          expect(audit).toContain(operator.person.email);
          expect(audit).toContain('customer.erase');
          await shot('audit');

          await visit(page, '/admin/webhooks', '[data-testid="failing-endpoints"], [data-testid="webhooks-empty"]');
          await shot('webhooks');
          await visit(page, '/admin/workflows', '[data-testid="stuck-workflows"], [data-testid="workflows-empty"]');
          await shot('workflows');
        } finally {
          await closeContext(context);
        }
      },
      STORY_MS,
    );
  }

  test(
    'a viewer reads the same pages without a button',
    async () => {
      const story = await storyData('Operations pages viewer');
      const viewer = await staffSession('viewer');
      const context = await signedInContext(browser, viewer.session, 'en-US');
      const page = await context.newPage();
      try {
        await visit(
          page,
          `/admin/reconciliation?provider_account=${story.account}&date=${story.date}`,
          `[data-testid="discrepancy-${story.discrepancy}"]`,
        );
        expect(await page.locator('[data-testid="rerun-form"]').count()).toBe(0);
        expect(await page.locator(`[data-testid="resolve-${story.discrepancy}"]`).count()).toBe(0);
        await review(page, 'reconciliation-as-viewer-en-US');
        await visit(page, `/admin/customers/${story.customer}`, '[data-testid="customer-payments"]');
        expect(await page.locator('[data-testid="erase"]').count()).toBe(0);
        expect(await page.locator('main form[method="POST"], main button[type="submit"]').count()).toBe(0);
        await review(page, 'customer-as-viewer-en-US');
      } finally {
        await closeContext(context);
      }
    },
    STORY_MS,
  );
});
