/**
 * A merchant's provider accounts in the admin console, in a real browser (Debian's Chromium,
 * playwright-core) against the test stack, in both languages: a superadmin (signed in with TOTP
 * through Kratos) uploads the key files the sandbox handed a merchant's Alipay app through the
 * page's file inputs, sees a file in the wrong place refused by name, adds the account, tests it and
 * sees it pass against the sandbox without a reload; adds another from a key Alipay never saw and
 * sees Alipay's refusal in the page, replaces that account's key with the right file and sees it
 * pass; routes a channel to the good account. A viewer sees the accounts' fingerprints and no
 * form. Every state is checked with axe-core; screenshots go to
 * .tongbao/<stack name>/artifacts/screenshots/console/admin-providers-*.png.
 */
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { closeContext, launchChromium } from './browser';
import { reviewPage, signedInContext } from './console-browser';
import { queryDb } from './db';
import { staffSession } from './kratos-sessions';
import { createTestMerchant, sandboxControl, testStack } from './stack';

const STORY_MS = 300_000;
const PAGE_WAIT_MS = 30_000;

let browser: Browser;
let superadmin: string;
let viewer: string;
let keyDir: string;

beforeAll(async () => {
  browser = await launchChromium();
  [superadmin, viewer] = (await Promise.all([staffSession('superadmin'), staffSession('viewer')])).map(
    (staff) => staff.session,
  );
  keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongbao-provider-keys-'));
}, STORY_MS);

afterAll(async () => {
  await browser?.close();
  if (keyDir) fs.rmSync(keyDir, { recursive: true, force: true });
});

const web = () => testStack().web_url;

/** Each page's screenshot is admin-…png. */
const review = (page: Page, name: string) => reviewPage(page, `admin-providers-${name}`);

/** What the sandbox hands a merchant opening an Alipay app, written out as the files a person would pick. */
async function alipayKeyFiles(name: string): Promise<{ appId: string; files: Record<string, string> }> {
  const opened = await sandboxControl<Record<string, string>>('POST', '/_control/accounts', { provider: 'alipay' });
  expect(opened.status).toBe(201);
  const write = (file: string, text: string) => {
    const where = path.join(keyDir, `${name}-${file}`);
    fs.writeFileSync(where, text);
    return where;
  };
  const forged = generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  return {
    appId: opened.body.app_id,
    files: {
      private_key: write('app_private_key.pem', opened.body.merchant_private_key),
      alipay_public_key: write('alipay_public_key.pem', opened.body.alipay_public_key),
      app_public_key: write('app_public_key.pem', opened.body.merchant_public_key),
      // A valid 2048-bit key Alipay was never given: the provider refuses what it signs.
      forged_private_key: write('forged_private_key.pem', forged),
    },
  };
}

/** Opens the Alipay form and fills it: the app id typed, every key file picked through its file input. */
async function fillAlipayForm(page: Page, appId: string, files: Record<string, string>): Promise<void> {
  const form = page.locator('[data-testid="create-alipay"]');
  if (!(await form.isVisible())) await page.click('[data-testid="add-alipay"] summary');
  await page.fill('#create-alipay-app_id', appId);
  for (const [field, file] of Object.entries(files)) await page.setInputFiles(`#create-alipay-${field}`, file);
}

/** Submits the Alipay form; the id of the account the page then shows first among the new ones. */
async function createAlipay(page: Page, appId: string): Promise<string> {
  await page.click('[data-testid="create-alipay-submit"]');
  await page.waitForSelector('[data-testid="account-created"]', { timeout: PAGE_WAIT_MS });
  const card = page.locator('article[data-testid^="account-pa_"]', { hasText: appId });
  await card.waitFor({ timeout: PAGE_WAIT_MS });
  return (await card.getAttribute('data-testid'))!.replace('account-', '');
}

/**
 * A merchant without provider accounts. An admin's merchant comes with a sandbox account per
 * provider, every channel routed to them (api/merchants.service.ts); these stories start from none,
 * as a merchant of a deployment without the sandbox does. Its accounts have never been used, so
 * nothing else refers to them (their reconciliation schedules run daily, not during a test).
 */
async function merchantWithoutAccounts(name: string): Promise<string> {
  const { merchantId } = await createTestMerchant(name);
  await queryDb('delete from channel_routes where merchant_id = $1', [merchantId]);
  await queryDb('delete from provider_accounts where merchant_id = $1', [merchantId]);
  return merchantId;
}

describe('provider accounts in the admin console', () => {
  for (const locale of ['zh-CN', 'en-US'] as const) {
    test(
      `${locale}: key files uploaded through the page make an account that passes its test; a forged key gets Alipay's refusal until replaced; a channel is routed; a viewer sees no form`,
      async () => {
        const merchantId = await merchantWithoutAccounts(`Providers story ${locale}`);
        const good = await alipayKeyFiles(`good-${locale}`);
        const forged = await alipayKeyFiles(`forged-${locale}`);
        const url = `${web()}/admin/merchants/${merchantId}/providers`;

        const context = await signedInContext(browser, superadmin, locale);
        const page = await context.newPage();
        try {
          await page.goto(url);
          await page.waitForSelector('[data-testid="accounts-empty"]', { timeout: PAGE_WAIT_MS });
          expect(await page.getAttribute('html', 'lang')).toBe(locale);
          await page.click('[data-testid="add-alipay"] summary');
          await review(page, `empty-${locale}`);

          // The app's own private key picked where Alipay's public key goes: refused, that input marked.
          await fillAlipayForm(page, good.appId, {
            private_key: good.files.private_key,
            alipay_public_key: good.files.private_key,
          });
          await page.click('[data-testid="create-alipay-submit"]');
          const refusal = await page.waitForSelector('[data-testid="create-alipay-refused"]', {
            timeout: PAGE_WAIT_MS,
          });
          expect(await refusal.textContent()).toMatch(/credentials\[alipay_public_key\]/);
          expect(await page.getAttribute('#create-alipay-alipay_public_key', 'aria-invalid')).toBe('true');
          expect(await page.locator('article[data-testid^="account-pa_"]').count()).toBe(0);

          await fillAlipayForm(page, good.appId, {
            private_key: good.files.private_key,
            alipay_public_key: good.files.alipay_public_key,
            app_public_key: good.files.app_public_key,
          });
          const account = await createAlipay(page, good.appId);
          expect(await page.textContent(`[data-testid="status-${account}"]`)).toBe(
            locale === 'zh-CN' ? '未测试' : 'Not tested',
          );
          // Fingerprints only: no key's text ever comes back.
          const parts = await page.textContent(`[data-testid="parts-${account}"]`);
          expect(parts).toMatch(/[0-9a-f]{64}/);
          expect(await page.content()).not.toMatch(/BEGIN|PRIVATE KEY/);

          // Tested in place: the page is not reloaded (a mark left on window survives) and shows Alipay's answer.
          await page.evaluate('window.__notReloaded = true');
          await page.click(`[data-testid="test-${account}"]`);
          await page.waitForSelector(`[data-testid="check-${account}"] [data-outcome="passed"]`, {
            timeout: PAGE_WAIT_MS,
          });
          expect(await page.evaluate('window.__notReloaded')).toBe(true);
          expect(await page.textContent(`[data-testid="answer-code-${account}"]`)).toBe('ACQ.TRADE_NOT_EXIST');
          expect(await page.textContent(`[data-testid="status-${account}"]`)).toBe(
            locale === 'zh-CN' ? '测试通过' : 'Test passed',
          );
          await review(page, `test-passed-${locale}`);

          // Another app's id with a key Alipay never saw: the account is made (the files are sound), its test fails.
          await fillAlipayForm(page, forged.appId, {
            private_key: forged.files.forged_private_key,
            alipay_public_key: forged.files.alipay_public_key,
          });
          const bad = await createAlipay(page, forged.appId);
          await page.click(`[data-testid="test-${bad}"]`);
          await page.waitForSelector(`[data-testid="check-${bad}"] [data-outcome="refused"]`, {
            timeout: PAGE_WAIT_MS,
          });
          expect(await page.evaluate('window.__notReloaded')).toBe(true);
          const answer = `${await page.textContent(`[data-testid="answer-code-${bad}"]`)} ${await page.textContent(`[data-testid="answer-${bad}"]`)}`;
          expect(answer).toMatch(/isv\.invalid-signature/);
          await page.locator(`[data-testid="account-${bad}"]`).scrollIntoViewIfNeeded();
          await review(page, `test-failed-${locale}`);

          // Its key replaced by the app's own (the rest kept, nothing shown back): tested again, it passes.
          await page.click(`[data-testid="account-${bad}"] details.edit summary`);
          await page.setInputFiles(`#edit-${bad}-private_key`, forged.files.private_key);
          await page.click(`[data-testid="edit-${bad}"] button[type="submit"]`);
          await page
            .locator(`[data-testid="status-${bad}"]`, { hasText: locale === 'zh-CN' ? '未测试' : 'Not tested' })
            .waitFor({ timeout: PAGE_WAIT_MS });
          await page.click(`[data-testid="test-${bad}"]`);
          await page.waitForSelector(`[data-testid="check-${bad}"] [data-outcome="passed"]`, {
            timeout: PAGE_WAIT_MS,
          });
          expect(await page.evaluate('window.__notReloaded')).toBe(true);
          expect(await page.content()).not.toMatch(/BEGIN|PRIVATE KEY/);

          // The QR code channel routed to the good account.
          await page.selectOption('#route-test-alipay_qr-account', account);
          await page.click('[data-testid="set-route-test-alipay_qr"]');
          await page
            .locator('[data-testid="served-test-alipay_qr"]', { hasText: good.appId })
            .waitFor({ timeout: PAGE_WAIT_MS });
          expect(await page.textContent(`[data-testid="channels-${account}"]`)).toContain('alipay_qr');
          await review(page, `accounts-${locale}`);
        } finally {
          await closeContext(context);
        }

        // A viewer reads the same accounts and routes, and is offered nothing to change.
        const viewing = await signedInContext(browser, viewer, locale);
        const read = await viewing.newPage();
        try {
          await read.goto(url);
          await read.waitForSelector('article[data-testid^="account-pa_"]', { timeout: PAGE_WAIT_MS });
          expect(await read.locator('article[data-testid^="account-pa_"]').count()).toBe(2);
          expect(await read.textContent('[data-testid="served-test-alipay_qr"]')).toContain(good.appId);
          expect(await read.locator('main form, [data-testid="add-account"]').count()).toBe(0);
          expect(await read.locator('input[type="file"], button[data-testid^="test-"]').count()).toBe(0);
          await review(read, `viewer-${locale}`);
        } finally {
          await viewing.close();
        }
      },
      STORY_MS,
    );
  }
});
