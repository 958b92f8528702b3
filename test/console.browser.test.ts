/**
 * The merchant console's sign-in in a real browser (Debian's Chromium, playwright-core) against the
 * test stack's web app, Kratos, API and the sandbox's inbox: signing up, verifying the address with
 * the code the inbox shows, naming the business, turning on an authenticator app (codes computed
 * with otplib), signing out and in again with it; and a team member invited by e-mail who comes in
 * through the invitation's link. Every page is checked with axe-core; screenshots go to
 * .tongbao/<stack name>/artifacts/screenshots/console/.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { closeContext, launchChromium } from './browser';
import { accessibilityViolations, consoleScreenshot, mailMatching, totpCode } from './console-browser';
import { createPerson } from './kratos-sessions';
import { testStack } from './stack';

const STORY_MS = 180_000;
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
const newEmail = (what: string) => `${what}-${Date.now()}-${randomBytes(3).toString('hex')}@example.com`;
const PASSWORD = 'Correct-Horse-Battery-42';

/** Checks the page with axe-core, and keeps its screenshot. */
async function review(page: Page, name: string): Promise<void> {
  await consoleScreenshot(page, name);
  expect({ page: name, violations: await accessibilityViolations(page) }).toEqual({ page: name, violations: [] });
}

async function signUp(page: Page, locale: 'zh-CN' | 'en-US', email: string): Promise<void> {
  await page.goto(`${web()}/auth/registration?lang=${locale}`);
  await page.waitForURL(/\/auth\/registration\?.*flow=/, { timeout: PAGE_WAIT_MS });
  await review(page, `sign-up-${locale}`);
  await page.fill('input[name="traits.email"]', email);
  await page.fill('input[name="traits.name"]', locale === 'zh-CN' ? '王芳' : 'Fang Wang');
  await page.selectOption('select[name="traits.locale"]', locale);
  await page.fill('input[name="password"]', PASSWORD);
  await page.click('[data-testid="submit-password-password"]');
  // Kratos sent the code already; the page asks for it.
  await page.waitForURL(/\/auth\/verification\?flow=/, { timeout: PAGE_WAIT_MS });
  await review(page, `verify-email-${locale}`);
  const [, code] = await mailMatching(email, /\b(\d{6})\b/);
  await page.fill('input[name="code"]', code);
  await page.click('[data-testid="submit-code-code"]');
  await page.waitForSelector('[data-testid="continue-to-console"]', { timeout: PAGE_WAIT_MS });
  await page.click('[data-testid="continue-to-console"]');
  await page.waitForURL(/\/dashboard\/welcome$/, { timeout: PAGE_WAIT_MS });
  await review(page, `welcome-${locale}`);
  await page.fill('input[name="name"]', locale === 'zh-CN' ? '王芳茶馆' : "Fang's Tea House");
  await page.click('[data-testid="create-merchant"]');
  await page.waitForURL(/\/dashboard$/, { timeout: PAGE_WAIT_MS });
  await page.waitForSelector('[data-testid="test-mode-banner"]');
  await review(page, `overview-${locale}`);
}

/** Turns on the authenticator app in the account settings; the secret the page shows. */
async function enableTotp(page: Page, locale: string): Promise<string> {
  await page.goto(`${web()}/auth/settings`);
  await page.waitForSelector('[data-testid="settings-totp"]', { timeout: PAGE_WAIT_MS });
  await review(page, `account-security-${locale}`);
  const secret = (await page.textContent('[data-testid="totp-secret"]'))!.trim();
  expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
  await page.fill('[data-testid="settings-totp"] input[name="totp_code"]', totpCode(secret));
  await page.click('[data-testid="settings-totp"] button[type="submit"]');
  await page.waitForSelector('[data-testid="flow-message-1050001"]', { timeout: PAGE_WAIT_MS });
  // Once on, the section offers to turn it off instead of a QR code.
  expect(await page.locator('[data-testid="totp-secret"]').count()).toBe(0);
  await review(page, `account-security-totp-on-${locale}`);
  return secret;
}

async function signInWithTotp(page: Page, email: string, secret: string, locale: string): Promise<void> {
  await page.goto(`${web()}/dashboard`);
  await page.click('[data-testid="sign-out"]');
  await page.waitForURL(/\/auth\/login\?flow=/, { timeout: PAGE_WAIT_MS });
  await review(page, `sign-in-${locale}`);
  await page.fill('input[name="identifier"]', email);
  await page.fill('input[name="password"]', PASSWORD);
  await page.click('[data-testid="submit-password-password"]');
  // The password alone is not enough any more: the console asks for the second factor.
  await page.waitForSelector('input[name="totp_code"]', { timeout: PAGE_WAIT_MS });
  await review(page, `sign-in-totp-${locale}`);
  await page.fill('input[name="totp_code"]', totpCode(secret));
  await page.click('button[name="method"][value="totp"]');
  await page.waitForURL(/\/dashboard$/, { timeout: PAGE_WAIT_MS });
}

describe('the merchant console: signing up and in', () => {
  for (const locale of ['zh-CN', 'en-US'] as const) {
    test(
      `${locale}: sign up, verify the e-mail with the inbox's code, name the business, turn on TOTP, sign out and in with it`,
      async () => {
        const context = await browser.newContext({ ...DESKTOP, locale });
        const page = await context.newPage();
        try {
          const email = newEmail(`owner-${locale}`);
          await signUp(page, locale, email);
          expect(await page.getAttribute('html', 'lang')).toBe(locale);
          // The owner's team and audit log (the merchant's creation is in it).
          await page.goto(`${web()}/dashboard/team`);
          await review(page, `team-${locale}`);
          await page.goto(`${web()}/dashboard/audit`);
          await page.waitForSelector('[data-testid="audit-log"]');
          await review(page, `audit-log-${locale}`);
          const secret = await enableTotp(page, locale);
          await signInWithTotp(page, email, secret, locale);
          expect(await page.textContent('[data-testid="mode"]')).toBe(locale === 'zh-CN' ? '测试模式' : 'Test mode');
        } finally {
          await closeContext(context);
        }
      },
      STORY_MS,
    );
  }

  test(
    'an invited member comes in through the e-mailed link, chooses a password, and signs in; an analyst sees no invitation form',
    async () => {
      const owner = await browser.newContext({ ...DESKTOP, locale: 'en-US' });
      const invitee = await browser.newContext({ ...DESKTOP, locale: 'en-US' });
      try {
        const ownerPage = await owner.newPage();
        await signUp(ownerPage, 'en-US', newEmail('team-owner'));
        await ownerPage.goto(`${web()}/dashboard/team`);
        const email = newEmail('analyst');
        await ownerPage.fill('[data-testid="invite-form"] input[name="email"]', email);
        await ownerPage.selectOption('[data-testid="invite-form"] select[name="role"]', 'analyst');
        await ownerPage.selectOption('[data-testid="invite-form"] select[name="locale"]', 'en-US');
        await ownerPage.click('[data-testid="invite"]');
        await ownerPage.waitForSelector('[data-testid="team-invited"]', { timeout: PAGE_WAIT_MS });
        await review(ownerPage, 'team-invited-en-US');

        const [link] = await mailMatching(email, /http:\/\/\S+\/auth\/recovery\?\S+/);
        const page = await invitee.newPage();
        await page.goto(link);
        await page.waitForSelector('[data-testid="recovery-form"]', { timeout: PAGE_WAIT_MS });
        await review(page, 'invitation-en-US');
        await page.click('[data-testid="recovery-form"] button[type="submit"]');
        // The code signed them in; Kratos sends them to choose a password.
        await page.waitForURL(/\/auth\/settings\?flow=/, { timeout: PAGE_WAIT_MS });
        await page.fill('[data-testid="settings-password"] input[name="password"]', PASSWORD);
        await page.click('[data-testid="settings-password"] button[type="submit"]');
        await page.waitForSelector('[data-testid="flow-message-1050001"]', { timeout: PAGE_WAIT_MS });

        // Signed out and in again with the new password, they see the merchant they were invited to.
        await page.goto(`${web()}/dashboard`);
        await page.click('[data-testid="sign-out"]');
        await page.waitForURL(/\/auth\/login\?flow=/, { timeout: PAGE_WAIT_MS });
        await page.fill('input[name="identifier"]', email);
        await page.fill('input[name="password"]', PASSWORD);
        await page.click('[data-testid="submit-password-password"]');
        await page.waitForURL(/\/dashboard$/, { timeout: PAGE_WAIT_MS });
        await page.goto(`${web()}/dashboard/team`);
        expect(await page.locator('[data-testid="invite-form"]').count()).toBe(0);
        expect(await page.textContent(`[data-testid="member-${email}"]`)).toContain('Analyst');
        await review(page, 'team-as-analyst-en-US');
      } finally {
        await owner.close();
        await invitee.close();
      }
    },
    STORY_MS,
  );

  test(
    'on localhost, a security key (a virtual authenticator) is added in the settings and signs the person in as the second factor',
    async () => {
      const context = await browser.newContext({ ...DESKTOP, locale: 'en-US' });
      const page = await context.newPage();
      // Chromium's virtual authenticator stands in for a USB key: it answers every WebAuthn request.
      const cdp = await context.newCDPSession(page);
      await cdp.send('WebAuthn.enable');
      await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: {
          protocol: 'ctap2',
          transport: 'usb',
          hasResidentKey: true,
          hasUserVerification: true,
          isUserVerified: true,
        },
      });
      // A relying party is a domain name: the console on localhost, as a developer opens it.
      const local = web().replace('127.0.0.1', 'localhost');
      try {
        const person = await createPerson({ locale: 'en-US' });
        await page.goto(`${local}/auth/login`);
        await page.waitForURL(/\/auth\/login\?flow=/, { timeout: PAGE_WAIT_MS });
        await page.fill('input[name="identifier"]', person.email);
        await page.fill('input[name="password"]', person.password);
        await page.click('[data-testid="submit-password-password"]');
        await page.waitForURL(/\/dashboard/, { timeout: PAGE_WAIT_MS });
        await page.goto(`${local}/auth/settings`);
        await page.waitForSelector('[data-testid="settings-webauthn"]', { timeout: PAGE_WAIT_MS });
        await page.fill('[data-testid="settings-webauthn"] input[name="webauthn_register_displayname"]', 'Desk key');
        await page.click('[data-testid="trigger-webauthn_register_trigger"]');
        await page.waitForSelector('[data-testid="flow-message-1050001"]', { timeout: PAGE_WAIT_MS });
        await review(page, 'account-security-key-added-en-US');

        await page.goto(`${local}/dashboard`);
        await page.click('[data-testid="sign-out"]');
        await page.waitForURL(/\/auth\/login\?flow=/, { timeout: PAGE_WAIT_MS });
        await page.fill('input[name="identifier"]', person.email);
        await page.fill('input[name="password"]', person.password);
        await page.click('[data-testid="submit-password-password"]');
        await page.waitForSelector('[data-testid="trigger-webauthn_login_trigger"]', { timeout: PAGE_WAIT_MS });
        await review(page, 'sign-in-security-key-en-US');
        await page.click('[data-testid="trigger-webauthn_login_trigger"]');
        await page.waitForURL(/\/dashboard/, { timeout: PAGE_WAIT_MS });
      } finally {
        await closeContext(context);
      }
    },
    STORY_MS,
  );
});
