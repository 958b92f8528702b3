/**
 * The admin console's templates and message log in a real browser (Debian's Chromium,
 * playwright-core) against the test stack: an operator finds an e-mail receipt template in the list,
 * edits it, is refused publishing a variable it did not declare (the refusal next to the text),
 * declares it and publishes, previews it (the HTML in a sandboxed frame), test-sends it and finds
 * the mail in the sandbox's inbox and the message, with its attempt, in the log; follows the link
 * to the template in the other language. A viewer sees the same pages without a button, and the
 * API refuses their publish. Every page is checked with axe-core; screenshots go to
 * .tongbao/<stack name>/artifacts/screenshots/console/admin-*.png.
 *
 * The receipt is a template of the story's own (POST /v1/admin/templates), written like the
 * built-in payment_receipt: publishing the built-in itself would change what every other suite's
 * receipts say mid-run on the shared stack, and test/templates.e2e.test.ts checks the built-ins are
 * still at version 1.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { accessibilityViolations, consoleScreenshot, mailMatching } from './console-browser';
import { consoleFetch, staffSession } from './kratos-sessions';
import { adminFetch, eventually, testStack } from './stack';

const STORY_MS = 300_000;
const PAGE_WAIT_MS = 30_000;
const DESKTOP = { viewport: { width: 1280, height: 900 } };
type Locale = 'zh-CN' | 'en-US';

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

async function signedIn(session: string, locale: Locale): Promise<BrowserContext> {
  const context = await browser.newContext({ ...DESKTOP, locale });
  await context.addCookies([
    { name: 'ory_kratos_session', value: session, url: web(), httpOnly: true, sameSite: 'Lax' },
  ]);
  return context;
}

interface TemplateBody {
  id: string;
  status: string;
  version: number;
  subject: string;
  body: string;
}

/** A receipt template of the story's own, by e-mail in both languages, like the built-in payment_receipt. */
async function receiptTemplates(): Promise<{ code: string; en: TemplateBody; zh: TemplateBody }> {
  const code = `story_receipt_${randomBytes(5).toString('hex')}`;
  const variables = [
    { name: 'merchant', type: 'string', sample: '茶叶小铺' },
    { name: 'amount', type: 'amount', sample: '¥19.99' },
  ];
  const create = async (locale: Locale, subject: string, body: string) => {
    const created = await adminFetch<TemplateBody>('POST', '/v1/admin/templates', {
      code,
      channel: 'email',
      locale,
      subject,
      body,
      variables,
    });
    expect(created.status).toBe(201);
    return created.body;
  };
  const [en, zh] = await Promise.all([
    create('en-US', 'Your receipt from ${merchant}: ${amount}', 'Your payment of ${amount} to ${merchant} succeeded.'),
    create('zh-CN', '${merchant} 付款成功 ${amount}', '您在${merchant}的付款${amount}已成功。'),
  ]);
  return { code, en, zh };
}

describe('the admin console: templates and the message log', () => {
  for (const locale of ['en-US', 'zh-CN'] as const) {
    test(
      `${locale}: an operator edits, previews, publishes and test-sends a receipt; the mail reaches the inbox and the log`,
      async () => {
        const operator = await staffSession('operator');
        const { code, en, zh } = await receiptTemplates();
        const unique = `Thank you, order ${randomUUID()}`;
        const to = `receipt-${randomUUID()}@example.com`;
        const context = await signedIn(operator.session, locale);
        const page = await context.newPage();
        try {
          // Every code with its channels and both languages side by side; filtered to e-mail.
          await page.goto(`${web()}/admin/templates?lang=${locale}`);
          await page.waitForSelector('[data-testid="templates"]', { timeout: PAGE_WAIT_MS });
          await page.selectOption('[data-testid="template-channel"]', 'email');
          await page.click('[data-testid="apply-filters"]');
          await page.waitForURL(/channel=email/, { timeout: PAGE_WAIT_MS });
          await page.waitForSelector(`[data-testid="template-${code}-email"]`, { timeout: PAGE_WAIT_MS });
          expect(await page.locator('[data-testid^="template-"][data-testid$="-sms"]').count()).toBe(0);
          expect(await page.locator('[data-testid="template-payment_receipt-email-en-US"] a').count()).toBe(1);
          await review(page, `templates-${locale}`);

          // The built-in receipt opens with its draft rendered, and its published version beside it.
          await page.click('[data-testid="template-payment_receipt-email-en-US"] a');
          await page.waitForSelector('[data-testid="preview-subject"]', { timeout: PAGE_WAIT_MS });
          expect(await page.textContent('[data-testid="published-subject"]')).toContain('Your receipt from');
          await review(page, `template-builtin-${locale}`);

          // The story's receipt: never published yet.
          await page.goto(`${web()}/admin/templates/${en.id}`);
          await page.waitForSelector('[data-testid="never-published"]', { timeout: PAGE_WAIT_MS });
          await review(page, `template-draft-${locale}`);

          // A line with a variable not declared: publishing is refused, next to the text.
          await page.fill('[data-testid="template-subject"]', `Receipt ${unique}`);
          await page.fill('[data-testid="template-body"]', `${en.body}\n\${note} ${unique}`);
          await page.click('[data-testid="publish"] summary');
          await page.click('[data-testid="confirm-publish"]');
          await page.waitForSelector('[data-testid="body-error"]', { timeout: PAGE_WAIT_MS });
          expect(await page.textContent('[data-testid="body-error"]')).toContain('${note}');
          expect(await page.getAttribute('[data-testid="template-body"]', 'aria-invalid')).toBe('true');
          await review(page, `template-refused-${locale}`);

          // Declared (a row added, one removed and added back), published: every send uses it now.
          await page.click('[data-testid="add-variable"]');
          await page.click('[data-testid="remove-variable-2"]');
          await page.click('[data-testid="add-variable"]');
          await page.fill('[data-testid="variable-2"] input[name="variables[2][name]"]', 'note');
          await page.fill('[data-testid="variable-2"] input[name="variables[2][sample]"]', 'P.S.');
          // The confirmation stays open after the refusal.
          expect(await page.isVisible('[data-testid="confirm-publish"]')).toBe(true);
          await page.click('[data-testid="confirm-publish"]');
          await page.waitForSelector('[data-testid="template-published"]', { timeout: PAGE_WAIT_MS });
          expect(await page.textContent('[data-testid="published-body"]')).toContain(unique);
          expect(await page.textContent('[data-testid="published-subject"]')).toBe(`Receipt ${unique}`);
          const published = await adminFetch<TemplateBody & { variables: { name: string }[] }>(
            'GET',
            `/v1/admin/templates/${en.id}`,
          );
          expect(published.body).toMatchObject({ status: 'published', version: 1 });
          expect(published.body.variables.map((variable) => variable.name)).toEqual(['merchant', 'amount', 'note']);

          // Preview with a value of the operator's: the text, and the HTML in its sandboxed frame.
          await page.fill('[data-testid="preview-value-note"]', 'With thanks from the story');
          await page.click('[data-testid="preview-template"]');
          await eventually(async () =>
            expect(await page.textContent('[data-testid="preview-text"]')).toContain('With thanks from the story'),
          );
          expect(await page.getAttribute('[data-testid="preview-html"]', 'sandbox')).toBe('');
          await eventually(async () =>
            expect(await page.frameLocator('[data-testid="preview-html"]').locator('body').textContent()).toContain(
              'With thanks from the story',
            ),
          );
          await review(page, `template-preview-${locale}`);

          // A test send (test mode): the sandbox's inbox has the mail, and the page links to the message.
          await page.fill('[data-testid="test-send-to"]', to);
          await page.click('[data-testid="test-send"]');
          await page.waitForSelector('[data-testid="test-sent-message"]', { timeout: PAGE_WAIT_MS });
          await review(page, `template-test-sent-${locale}`);
          await mailMatching(to, new RegExp(unique));
          await page.click('[data-testid="test-sent-message"]');
          await page.waitForSelector('[data-testid="message-facts"]', { timeout: PAGE_WAIT_MS });
          expect(await page.textContent('[data-testid="message-to"]')).toBe(to);
          await eventually(
            async () => {
              await page.reload();
              expect(await page.locator('[data-testid="attempt-1"] [data-outcome="sent"]').count()).toBe(1);
            },
            { timeoutMs: 30_000 },
          );
          expect(await page.textContent('[data-testid="message-body"]')).toContain(unique);
          await review(page, `message-${locale}`);

          // The log, filtered to the address; a filter the API refuses is said next to its field.
          await page.goto(`${web()}/admin/messages?to=${encodeURIComponent(to)}`);
          await page.waitForSelector('[data-testid="messages"]', { timeout: PAGE_WAIT_MS });
          expect(await page.locator('[data-testid="messages"] tbody tr').count()).toBe(1);
          await review(page, `messages-${locale}`);
          await page.fill('[data-testid="filter-to"]', 'not-a-phone');
          await page.click('[data-testid="apply-filters"]');
          await page.waitForSelector('[data-testid="filter-refused"]', { timeout: PAGE_WAIT_MS });
          expect(await page.getAttribute('[data-testid="filter-to"]', 'aria-invalid')).toBe('true');

          // The same template in the other language, one link away.
          await page.goto(`${web()}/admin/templates/${en.id}`);
          await page.click('[data-testid="other-locale"]');
          await page.waitForURL(new RegExp(`/admin/templates/${zh.id}$`), { timeout: PAGE_WAIT_MS });
          await page.waitForSelector('[data-testid="template-form"]', { timeout: PAGE_WAIT_MS });
          expect(await page.inputValue('[data-testid="template-subject"]')).toBe(zh.subject);
        } finally {
          await context.close();
        }
      },
      STORY_MS,
    );
  }

  test(
    'a viewer reads the templates and the log without a button, and the API refuses their publish',
    async () => {
      const viewer = await staffSession('viewer');
      const { en } = await receiptTemplates();
      expect((await adminFetch('POST', `/v1/admin/templates/${en.id}/publish`, {})).status).toBe(200);
      for (const locale of ['en-US', 'zh-CN'] as const) {
        const context = await signedIn(viewer.session, locale);
        const page = await context.newPage();
        try {
          await page.goto(`${web()}/admin/templates/${en.id}?lang=${locale}`);
          await page.waitForSelector('[data-testid="draft"]', { timeout: PAGE_WAIT_MS });
          await page.waitForSelector('[data-testid="preview-text"]', { timeout: PAGE_WAIT_MS });
          expect(await page.locator('main button, main summary, main form[method="POST"]').count()).toBe(0);
          await review(page, `template-as-viewer-${locale}`);
          await page.goto(`${web()}/admin/messages`);
          await page.waitForSelector('[data-testid="messages"], [data-testid="messages-empty"]', {
            timeout: PAGE_WAIT_MS,
          });
          await review(page, `messages-as-viewer-${locale}`);
        } finally {
          await context.close();
        }
      }
      // What the page hides, the API refuses.
      const publish = await consoleFetch<{ error: { code: string } }>(
        viewer.session,
        'POST',
        `/v1/admin/templates/${en.id}/publish`,
        { body: {} },
      );
      expect(publish.status).toBe(403);
      expect(publish.body.error.code).toBe('role_forbidden');
    },
    STORY_MS,
  );
});
