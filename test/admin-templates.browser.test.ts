/**
 * The admin console's templates and message log in a real browser (Debian's Chromium,
 * playwright-core) against the test stack: an operator finds the built-in en-US e-mail payment
 * receipt in the list, adds a line to it, is refused publishing a variable the receipt does not
 * have (the refusal next to the text), writes the line with one it has and publishes, previews it
 * (the HTML in a sandboxed frame), test-sends it and finds the mail in the sandbox's inbox and the
 * message, with its attempt, in the log; follows the link to the receipt in the other language. A
 * viewer sees the same pages without a button, and the API refuses their publish. Every page is
 * checked with axe-core; screenshots go to .tongbao/<stack name>/artifacts/screenshots/console/admin-*.png.
 *
 * The built-in receipt is what every other suite's paid payments send on the shared stack, so the
 * edit keeps its subject, its variables and its text, adding one line at the end (the receipt
 * stories check the subject and the text they know; a variable added would make every receipt
 * without it refused), and the original is published back afterwards. Only the e-mail is edited:
 * an SMS is sent by the Aliyun template code, whose approved text the sandbox renders, so an edited
 * SMS body would never show in the inbox.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { closeContext, launchChromium, openBeforeHydration } from './browser';
import { mailMatching, reviewPage, signedInContext } from './console-browser';
import { consoleFetch, staffSession } from './kratos-sessions';
import { adminFetch, eventually, testStack } from './stack';

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

interface Variable {
  name: string;
  type: string;
  sample: string;
  secret?: boolean;
}

interface TemplateBody {
  id: string;
  code: string;
  status: string;
  version: number;
  subject: string;
  body: string;
  variables: Variable[];
  published: { subject: string; body: string; variables: Variable[]; published_at: string | null } | null;
}

const RECEIPT_EN = 'tpl_builtinPaymentReceiptMailEn';
const RECEIPT_ZH = 'tpl_builtinPaymentReceiptMailZh';

/** The receipt's published content, which every send uses now: what the story publishes back. */
async function publishedReceipt(): Promise<TemplateBody & { published: NonNullable<TemplateBody['published']> }> {
  const receipt = await adminFetch<TemplateBody>('GET', `/v1/admin/templates/${RECEIPT_EN}`);
  expect(receipt.status).toBe(200);
  expect(receipt.body.published).not.toBeNull();
  return receipt.body as TemplateBody & { published: NonNullable<TemplateBody['published']> };
}

/** Publishes `content` back as the receipt (a no-op when it is what is published). */
async function publishBack(content: NonNullable<TemplateBody['published']>): Promise<void> {
  const { subject, body, variables } = content;
  // Sent field by field: published_at is the API's to set.
  expect((await adminFetch('PATCH', `/v1/admin/templates/${RECEIPT_EN}`, { subject, body, variables })).status).toBe(
    200,
  );
  expect((await adminFetch('POST', `/v1/admin/templates/${RECEIPT_EN}/publish`, {})).status).toBe(200);
}

/** A receipt template of the story's own, never a built-in: the viewer's story publishes it. */
async function storyReceipt(): Promise<TemplateBody> {
  const created = await adminFetch<TemplateBody>('POST', '/v1/admin/templates', {
    code: `story_receipt_${randomBytes(5).toString('hex')}`,
    channel: 'email',
    locale: 'en-US',
    subject: 'Your receipt from ${merchant}: ${amount}',
    body: 'Your payment of ${amount} to ${merchant} succeeded.',
    variables: [
      { name: 'merchant', type: 'string', sample: '茶叶小铺' },
      { name: 'amount', type: 'amount', sample: '¥19.99' },
    ],
  });
  expect(created.status).toBe(201);
  return created.body;
}

describe('the admin console: templates and the message log', () => {
  for (const locale of ['en-US', 'zh-CN'] as const) {
    test(
      `${locale}: an operator edits, previews, publishes and test-sends the built-in receipt; the mail reaches the inbox and the log`,
      async () => {
        const operator = await staffSession('operator');
        const original = await publishedReceipt();
        const unique = `Thank you, order ${randomUUID()}`;
        const to = `receipt-${randomUUID()}@example.com`;
        const context = await signedInContext(browser, operator.session, locale);
        const page = await context.newPage();
        try {
          // Every code with its channels and both languages side by side; filtered to e-mail.
          await page.goto(`${web()}/admin/templates?lang=${locale}`);
          await page.waitForSelector('[data-testid="templates"]', { timeout: PAGE_WAIT_MS });
          await page.selectOption('[data-testid="template-channel"]', 'email');
          await page.click('[data-testid="apply-filters"]');
          await page.waitForURL(/channel=email/, { timeout: PAGE_WAIT_MS });
          await page.waitForSelector('[data-testid="template-payment_receipt-email"]', { timeout: PAGE_WAIT_MS });
          expect(await page.locator('[data-testid^="template-"][data-testid$="-sms"]').count()).toBe(0);
          await review(page, `templates-${locale}`);

          // The built-in receipt opens with its draft rendered, and its published version beside it.
          await page.click('[data-testid="template-payment_receipt-email-en-US"] a');
          await page.waitForURL(new RegExp(`/admin/templates/${RECEIPT_EN}$`), { timeout: PAGE_WAIT_MS });
          await page.waitForSelector('[data-testid="preview-subject"]', { timeout: PAGE_WAIT_MS });
          expect(await page.textContent('[data-testid="published-subject"]')).toBe(original.published.subject);
          expect(await page.inputValue('[data-testid="template-body"]')).toBe(original.body);
          await review(page, `template-builtin-${locale}`);

          // A line with a variable the receipt does not have: publishing is refused, next to the
          // text, and every receipt still says what was published.
          await page.fill('[data-testid="template-body"]', `${original.body}\n\nP.S. \${note} ${unique}`);
          await page.click('[data-testid="publish"] summary');
          await page.click('[data-testid="confirm-publish"]');
          await page.waitForSelector('[data-testid="body-error"]', { timeout: PAGE_WAIT_MS });
          expect(await page.textContent('[data-testid="body-error"]')).toContain('${note}');
          expect(await page.getAttribute('[data-testid="template-body"]', 'aria-invalid')).toBe('true');
          expect((await publishedReceipt()).published).toEqual(original.published);
          await review(page, `template-refused-${locale}`);

          // A row added and removed again: the receipt keeps exactly its variables, because every
          // send must give each one. The line written with one it has, and published.
          await page.click('[data-testid="add-variable"]');
          const added = original.variables.length;
          await page.waitForSelector(`[data-testid="variable-${added}"]`, { timeout: PAGE_WAIT_MS });
          await page.click(`[data-testid="remove-variable-${added}"]`);
          expect(await page.locator(`[data-testid="variable-${added}"]`).count()).toBe(0);
          const edited = `${original.body}\n\nP.S. \${order}: ${unique}`;
          await page.fill('[data-testid="template-body"]', edited);
          // The confirmation stays open after the refusal.
          expect(await page.isVisible('[data-testid="confirm-publish"]')).toBe(true);
          await page.click('[data-testid="confirm-publish"]');
          await page.waitForSelector('[data-testid="template-published"]', { timeout: PAGE_WAIT_MS });
          expect(await page.textContent('[data-testid="published-body"]')).toContain(unique);
          expect(await page.textContent('[data-testid="published-subject"]')).toBe(original.published.subject);
          const published = await publishedReceipt();
          expect(published).toMatchObject({ status: 'published', version: original.version + 1 });
          expect(published.published).toEqual({
            ...original.published,
            body: edited,
            published_at: expect.any(String),
          });

          // Preview with a value of the operator's: the text, and the HTML in its sandboxed frame.
          await page.fill('[data-testid="preview-value-order"]', 'With thanks from the story');
          await page.click('[data-testid="preview-template"]');
          await eventually(async () =>
            expect(await page.textContent('[data-testid="preview-text"]')).toContain(
              `P.S. With thanks from the story: ${unique}`,
            ),
          );
          expect(await page.getAttribute('[data-testid="preview-html"]', 'sandbox')).toBe('');
          await eventually(async () =>
            expect(await page.frameLocator('[data-testid="preview-html"]').locator('body').textContent()).toContain(
              'With thanks from the story',
            ),
          );
          await review(page, `template-preview-${locale}`);

          // A test send (test mode): the sandbox's inbox has the edited receipt, and the page links to the message.
          await page.fill('[data-testid="test-send-to"]', to);
          await page.click('[data-testid="test-send"]');
          await page.waitForSelector('[data-testid="test-sent-message"]', { timeout: PAGE_WAIT_MS });
          await review(page, `template-test-sent-${locale}`);
          await mailMatching(to, new RegExp(`Your payment to .+ succeeded\\.[\\s\\S]+P\\.S\\. .+: ${unique}`));
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
          // The log's days: from and until, each shown back in its own field.
          await page.goto(`${web()}/admin/messages?from=2026-12-01&until=2026-12-02`);
          expect(await page.inputValue('[data-testid="message-filters"] input[name="from"]')).toBe('2026-12-01');
          expect(await page.inputValue('[data-testid="message-filters"] input[name="until"]')).toBe('2026-12-02');

          // The same receipt in the other language, one link away.
          await page.goto(`${web()}/admin/templates/${RECEIPT_EN}`);
          await page.click('[data-testid="other-locale"]');
          await page.waitForURL(new RegExp(`/admin/templates/${RECEIPT_ZH}$`), { timeout: PAGE_WAIT_MS });
          await page.waitForSelector('[data-testid="template-form"]', { timeout: PAGE_WAIT_MS });
          expect(await page.inputValue('[data-testid="template-subject"]')).toBe('${merchant} 付款成功 ${amount}');
        } finally {
          await closeContext(context);
          // The receipt as it was, for every receipt sent after this story.
          await publishBack(original.published);
        }
        expect((await publishedReceipt()).published).toMatchObject({
          subject: original.published.subject,
          body: original.published.body,
          variables: original.published.variables,
        });
      },
      STORY_MS,
    );
  }

  test(
    'what an operator types into a template before the page has hydrated is shown from the start, kept and saved',
    async () => {
      const operator = await staffSession('operator');
      const receipt = await storyReceipt();
      const context = await signedInContext(browser, operator.session, 'en-US');
      const page = await context.newPage();
      try {
        // The page as the server sends it: the draft's subject, text and variables are there already.
        const hydrate = await openBeforeHydration(page, `${web()}/admin/templates/${receipt.id}`);
        expect(await page.inputValue('[data-testid="template-subject"]')).toBe(receipt.subject);
        expect(await page.inputValue('[data-testid="template-body"]')).toBe(receipt.body);
        expect(await page.inputValue('input[name="variables[0][sample]"]')).toBe('茶叶小铺');
        // Typed while the page's JavaScript is still on its way (a slow network), then kept.
        const body = `${receipt.body}\nThank you, ${'${merchant}'}.`;
        await page.fill('[data-testid="template-subject"]', 'Paid: ${amount} to ${merchant}');
        await page.fill('[data-testid="template-body"]', body);
        await page.fill('input[name="variables[0][sample]"]', '花店');
        await hydrate();
        expect(await page.inputValue('[data-testid="template-subject"]')).toBe('Paid: ${amount} to ${merchant}');
        expect(await page.inputValue('[data-testid="template-body"]')).toBe(body);
        expect(await page.inputValue('input[name="variables[0][sample]"]')).toBe('花店');
        await page.click('[data-testid="save-template"]');
        await page.waitForSelector('[data-testid="template-saved"]', { timeout: PAGE_WAIT_MS });
      } finally {
        await closeContext(context);
      }
      const saved = await adminFetch<TemplateBody>('GET', `/v1/admin/templates/${receipt.id}`);
      expect(saved.body).toMatchObject({
        subject: 'Paid: ${amount} to ${merchant}',
        body: expect.stringContaining('Thank you'),
      });
      expect(saved.body.variables[0]).toMatchObject({ name: 'merchant', sample: '花店' });
    },
    STORY_MS,
  );

  test(
    'a viewer reads the templates and the log without a button, and the API refuses their publish',
    async () => {
      const viewer = await staffSession('viewer');
      const en = await storyReceipt();
      expect((await adminFetch('POST', `/v1/admin/templates/${en.id}/publish`, {})).status).toBe(200);
      for (const locale of ['en-US', 'zh-CN'] as const) {
        const context = await signedInContext(browser, viewer.session, locale);
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
          await closeContext(context);
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
