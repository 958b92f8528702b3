/**
 * The admin console's Merchants pages in a real browser (Debian's Chromium, playwright-core) against
 * the test stack, in both languages. A superadmin (a Kratos staff identity with an authenticator
 * app) finds merchants by name and live mode, creates one and sees its first key once (the key
 * works); approves the live mode a console owner asked for (its live key then works); suspends
 * another with a reason (its key gets 403 merchant_suspended) and reinstates it; locks a member,
 * sends their invitation again and unlocks them; revokes the merchant's key (it then gets 401). A
 * viewer sees a merchant's page without a button or a form. Every page is checked with axe-core;
 * screenshots go to .tongbao/<stack name>/artifacts/screenshots/console/admin-merchant*.png.
 */
import type { Browser, Page } from 'playwright-core';
import { closeContext, launchChromium } from './browser';
import { reviewPage, signedInContext } from './console-browser';
import { queryDb } from './db';
import { consoleFetch, createPerson, signIn, staffSession } from './kratos-sessions';
import { adminFetch, apiFetch, createTestMerchant, eventually, testStack } from './stack';

const STORY_MS = 300_000;
const PAGE_WAIT_MS = 30_000;

interface ErrorBody {
  error: { code: string; param: string | null };
}

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

/** A merchant signed up in the console whose owner asked for live mode, with a live key made by the platform. */
async function liveModeAsked(name: string): Promise<{ merchantId: string; liveKey: string }> {
  const owner = await signIn(await createPerson());
  const created = await consoleFetch<{ merchant: { id: string } }>(owner, 'POST', '/v1/console/merchants', {
    body: { name },
  });
  expect(created.status).toBe(201);
  const merchantId = created.body.merchant.id;
  const asked = await consoleFetch<{ status: string }>(owner, 'POST', '/v1/account/live_mode_request', {
    merchant: merchantId,
    body: {},
  });
  expect(asked.body.status).toBe('requested');
  const key = await adminFetch<{ secret: string }>('POST', `/v1/admin/merchants/${merchantId}/api_keys`, {
    livemode: true,
  });
  expect(key.status).toBe(201);
  const closed = await apiFetch<ErrorBody>(key.body.secret, 'GET', '/v1/payments');
  expect({ status: closed.status, code: closed.body.error.code }).toEqual({
    status: 403,
    code: 'live_mode_unavailable',
  });
  return { merchantId, liveKey: key.body.secret };
}

const payment = { amount: 1200, currency: 'CNY', channel: 'alipay_qr', description: 'Admin merchants story' };

/** Opens a row's confirmation (its summary), fills the reason when asked, and confirms. */
async function confirm(page: Page, testid: string, reason?: string): Promise<void> {
  await page.click(`[data-testid="${testid}"] summary`);
  if (reason !== undefined) await page.fill(`[data-testid="${testid}"] textarea[name="reason"]`, reason);
  await page.click(`[data-testid="confirm-${testid}"]`);
}

describe("the admin console's merchants", () => {
  for (const locale of ['zh-CN', 'en-US'] as const) {
    test(
      `${locale}: a superadmin finds and creates merchants, approves live mode, suspends and reinstates, helps a member, revokes a key`,
      async () => {
        const tag = `${locale} ${process.pid}-${Date.now()}`;
        const superadmin = await staffSession('superadmin');
        const asked = await liveModeAsked(`Live Tea ${tag}`);
        const suspendName = `Suspend Tea ${tag}`;
        const { merchantId, secretKey } = await createTestMerchant(suspendName);
        const invitee = `invitee-${process.pid}-${Date.now()}-${locale.toLowerCase()}@example.com`;
        const invited = await adminFetch<{ id: string }>('POST', `/v1/admin/merchants/${merchantId}/members`, {
          email: invitee,
          role: 'developer',
          locale,
        });
        expect(invited.status).toBe(201);
        const details = await adminFetch<{ api_keys: { id: string }[]; members: { identity_id: string }[] }>(
          'GET',
          `/v1/admin/merchants/${merchantId}`,
        );
        const [{ id: keyId }] = details.body.api_keys;
        const [{ identity_id: inviteeIdentity }] = details.body.members;

        const context = await signedInContext(browser, superadmin.session, locale);
        const page = await context.newPage();
        try {
          await page.goto(`${web()}/admin`);
          await page.click('nav a[href="/admin/merchants"]');
          await page.waitForSelector('[data-testid="merchants"]', { timeout: PAGE_WAIT_MS });
          expect(await page.getAttribute('html', 'lang')).toBe(locale);
          await review(page, `merchants-${locale}`);

          // Found by part of its name in any case; the live-mode filter keeps only those that asked.
          await page.fill('[data-testid="merchant-q"]', suspendName.toUpperCase());
          await page.click('[data-testid="apply-filters"]');
          await page.waitForURL((url) => url.searchParams.get('q') === suspendName.toUpperCase(), {
            timeout: PAGE_WAIT_MS,
          });
          await page.waitForSelector(`[data-testid="merchant-${merchantId}"]`, { timeout: PAGE_WAIT_MS });
          expect(await page.locator('[data-testid="merchants"] tbody tr').count()).toBe(1);
          await page.fill('[data-testid="merchant-q"]', tag);
          await page.selectOption('[data-testid="merchant-live-mode-filter"]', 'requested');
          await page.click('[data-testid="apply-filters"]');
          await page.waitForURL((url) => url.searchParams.get('live_mode') === 'requested', { timeout: PAGE_WAIT_MS });
          await page.waitForSelector(`[data-testid="merchant-${asked.merchantId}"]`, { timeout: PAGE_WAIT_MS });
          expect(await page.locator('[data-testid="merchants"] tbody tr').count()).toBe(1);

          // A merchant made in the page: its first key, shown once, works.
          await page.fill('[data-testid="create-name"]', `Created Tea ${tag}`);
          await page.fill('[data-testid="create-email"]', `created-${process.pid}-${Date.now()}@example.com`);
          await page.click('[data-testid="create-submit"]');
          await page.waitForSelector('[data-testid="created-key"]', { timeout: PAGE_WAIT_MS });
          const createdKey = await page.inputValue('[data-testid="created-key-value"]');
          expect(createdKey).toMatch(/^sk_test_/);
          expect((await apiFetch(createdKey, 'GET', '/v1/payments')).status).toBe(200);
          await review(page, `merchant-created-${locale}`);

          // Live mode asked for: approved in the page, the live key works.
          await page.goto(`${web()}/admin/merchants/${asked.merchantId}`);
          await page.waitForSelector('[data-testid="merchant-live-mode"][data-live-mode="requested"]', {
            timeout: PAGE_WAIT_MS,
          });
          await review(page, `merchant-live-pending-${locale}`);
          await confirm(page, 'live-approve');
          await page.waitForSelector('[data-testid="merchant-live-mode"][data-live-mode="approved"]', {
            timeout: PAGE_WAIT_MS,
          });
          expect((await apiFetch(asked.liveKey, 'GET', '/v1/payments')).status).toBe(200);

          // Suspended with a reason: its key gets 403; reinstated, it works again.
          await page.goto(`${web()}/admin/merchants/${merchantId}`);
          await page.waitForSelector('[data-testid="merchant-header"]', { timeout: PAGE_WAIT_MS });
          expect(await page.getAttribute('[data-testid="merchant-status"]', 'data-status')).toBe('active');
          expect(await page.locator(`a[href="/admin/merchants/${merchantId}/providers"]`).count()).toBe(1);
          expect(await page.getAttribute('[data-testid="merchant-payments"]', 'href')).toBe(
            `/admin/payments?merchant=${merchantId}`,
          );
          expect(await page.getAttribute('[data-testid="merchant-audit"]', 'href')).toBe(
            `/admin/audit?merchant=${merchantId}`,
          );
          await review(page, `merchant-${locale}`);
          await page.click('[data-testid="suspend"] summary');
          await page.fill('[data-testid="suspend"] textarea[name="reason"]', 'Chargebacks under review');
          await review(page, `merchant-suspend-confirm-${locale}`);
          await page.click('[data-testid="confirm-suspend"]');
          await page.waitForSelector('[data-testid="merchant-status"][data-status="suspended"]', {
            timeout: PAGE_WAIT_MS,
          });
          expect(await page.textContent('[data-testid="suspended-reason"]')).toBe('Chargebacks under review');
          await review(page, `merchant-suspended-${locale}`);
          const refused = await apiFetch<ErrorBody>(secretKey, 'POST', '/v1/payments', payment);
          expect({ status: refused.status, code: refused.body.error.code }).toEqual({
            status: 403,
            code: 'merchant_suspended',
          });
          await confirm(page, 'reinstate');
          await page.waitForSelector('[data-testid="merchant-status"][data-status="active"]', {
            timeout: PAGE_WAIT_MS,
          });
          expect((await apiFetch(secretKey, 'POST', '/v1/payments', payment)).status).toBe(201);

          // The member: locked (by this superadmin), the invitation sent again, unlocked.
          await confirm(page, `lock-${invitee}`, 'Phishing reported by the merchant');
          await page.waitForSelector(`[data-testid="member-state-${invitee}"] [data-locked]`, {
            timeout: PAGE_WAIT_MS,
          });
          const locked = await adminFetch<{ locked: boolean; locked_by: string }>(
            'GET',
            `/v1/admin/merchant_users/${inviteeIdentity}`,
          );
          expect(locked.body).toMatchObject({ locked: true, locked_by: superadmin.person.email });
          await page.click(`[data-testid="resend-${invitee}"]`);
          await page.waitForSelector('[data-testid="merchant-done"][data-action="resend"]', {
            timeout: PAGE_WAIT_MS,
          });
          await eventually(async () => {
            const sent = await queryDb<{ object_id: string }>(
              `select object_id from messages where template = 'team_invitation' and object_id like $1`,
              [`${invited.body.id}%`],
            );
            expect(sent).toHaveLength(2);
          });
          await page.click(`[data-testid="unlock-${invitee}"]`);
          await page.waitForSelector('[data-testid="merchant-done"][data-action="unlock"]', {
            timeout: PAGE_WAIT_MS,
          });
          expect(await page.locator(`[data-testid="member-state-${invitee}"] [data-locked]`).count()).toBe(0);

          // The key revoked in the page is refused from now on.
          await confirm(page, `revoke-${keyId}`);
          await page.waitForSelector(`[data-testid="key-state-${keyId}"] [data-revoked]`, { timeout: PAGE_WAIT_MS });
          expect((await apiFetch(secretKey, 'GET', '/v1/payments')).status).toBe(401);
        } finally {
          await closeContext(context);
        }
      },
      STORY_MS,
    );
  }

  test(
    "a viewer sees a merchant's page with no button and no form, and the list without the create form",
    async () => {
      const viewer = await staffSession('viewer');
      const { merchantId } = await createTestMerchant(`Viewer Tea ${process.pid}-${Date.now()}`);
      const invitee = `viewer-invitee-${process.pid}-${Date.now()}@example.com`;
      expect(
        (await adminFetch('POST', `/v1/admin/merchants/${merchantId}/members`, { email: invitee, role: 'analyst' }))
          .status,
      ).toBe(201);
      const context = await signedInContext(browser, viewer.session, 'en-US');
      const page = await context.newPage();
      try {
        await page.goto(`${web()}/admin/merchants/${merchantId}`);
        await page.waitForSelector(`[data-testid="member-${invitee}"]`, { timeout: PAGE_WAIT_MS });
        await page.waitForSelector('[data-testid="merchant-keys"]', { timeout: PAGE_WAIT_MS });
        expect(await page.locator('main form, main button, main summary, main textarea').count()).toBe(0);
        await review(page, 'merchant-as-viewer-en-US');
        await page.goto(`${web()}/admin/merchants`);
        await page.waitForSelector('[data-testid="merchants"]', { timeout: PAGE_WAIT_MS });
        expect(await page.locator('[data-testid="merchant-create"]').count()).toBe(0);
      } finally {
        await closeContext(context);
      }
    },
    STORY_MS,
  );
});
