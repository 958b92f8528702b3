import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { authenticator } from 'otplib';
import { TEST_STACK_NAME, eventually, sandboxControl, testStack } from './stack';

// What the consoles' browser stories share: screenshots, the accessibility check, the codes a
// person reads in their mailbox (the sandbox's inbox) or their authenticator app (otplib).

export const CONSOLE_SCREENSHOTS = path.resolve(
  __dirname,
  '..',
  '.tongbao',
  TEST_STACK_NAME,
  'artifacts',
  'screenshots',
  'console',
);

export async function consoleScreenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(CONSOLE_SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(CONSOLE_SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * A desktop browser context signed in with a Kratos session (the cookie Kratos set), the console's
 * language set as its switch remembers it (else zh-CN, the platform's own).
 */
export async function signedInContext(browser: Browser, session: string, locale: string): Promise<BrowserContext> {
  const web = testStack().web_url;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale });
  await context.addCookies([
    { name: 'ory_kratos_session', value: session, url: web, httpOnly: true, sameSite: 'Lax' },
    { name: 'tongbao_locale', value: locale, url: web, httpOnly: true, sameSite: 'Lax' },
  ]);
  return context;
}

/** A page's screenshot (`name`.png) and its axe check, which must find nothing. */
export async function reviewPage(page: Page, name: string): Promise<void> {
  await consoleScreenshot(page, name);
  expect({ page: name, violations: await accessibilityViolations(page) }).toEqual({ page: name, violations: [] });
}

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's violations on the page (WCAG 2.1 A and AA), as "rule: target" lines; [] when clean. */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  // Evaluated, not added as a <script>: the pages' CSP allows only their own scripts.
  await page.evaluate(AXE_SOURCE);
  // A string: the root tsconfig has no DOM types, and this runs in the page anyway.
  const violations = await page.evaluate<string[]>(`
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] } }).then((result) =>
      result.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')),
    )
  `);
  return violations;
}

/** The newest e-mail the sandbox's inbox holds for `to` whose body matches `pattern`; the match. */
export async function mailMatching(to: string, pattern: RegExp): Promise<RegExpExecArray> {
  return eventually(
    async () => {
      const inbox = await sandboxControl<{ data: { body: string; subject?: string }[] }>(
        'GET',
        `/_control/messages?to=${encodeURIComponent(to)}&channel=email`,
      );
      expect(inbox.status).toBe(200);
      const found = inbox.body.data.map((mail) => pattern.exec(mail.body)).find(Boolean);
      expect(found).toBeTruthy();
      return found!;
    },
    { timeoutMs: 30_000 },
  );
}

/** The code an authenticator app shows now for `secret` (Kratos' TOTP: SHA-1, 6 digits, 30 s). */
export function totpCode(secret: string): string {
  return authenticator.generate(secret);
}
