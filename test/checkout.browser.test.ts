/**
 * The hosted checkout in a real browser: Debian's Chromium driven by playwright-core, against the
 * test stack's web app (web/, built), API, workflows and provider sandboxes. The shopper pays on
 * the sandboxes' own buyer pages, as they would on Alipay's, WeChat's or UnionPay's, and ends on
 * the merchant's success_url, served here by a tiny local shop.
 *
 * Screenshots of the main states go to .tongbao/<stack name>/artifacts/screenshots/.
 *
 * Over 400 lines on purpose: the stories share one browser, one local shop and the helpers that
 * walk each provider's buyer page; split, each file would launch Chromium and the shop again.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { devices, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { closeContext, launchChromium, openBeforeHydration } from './browser';
import { TEST_STACK_NAME, apiFetch, createTestMerchant, eventually, testStack } from './stack';

const SCREENSHOTS = path.resolve(__dirname, '..', '.tongbao', TEST_STACK_NAME, 'artifacts', 'screenshots');
const PHONE = devices['Pixel 7'];
/** WeChat's in-app browser on that phone. */
const WECHAT_UA = `${PHONE.userAgent} MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN`;
const DESKTOP = { viewport: { width: 1280, height: 900 } };
/** Each story goes through the browser, the API, a workflow and a sandbox, on two shared cores. */
const STORY_MS = 120_000;
const PAGE_WAIT_MS = 30_000;

interface Session {
  id: string;
  url: string;
  status: string;
  amount_subtotal: number;
  amount_discount: number;
  amount_tax: number;
  amount_total: number;
  payment: string | null;
}

interface PublicSession {
  payment: {
    id: string;
    status: string;
    channel: string;
    next_action: { type: string; display_qr_code?: { data: string } } | null;
  } | null;
}

let browser: Browser;
let shop: { url: string; close(): Promise<void> };
let key: string;

/** The merchant's site: success_url and cancel_url land here. */
function startShop(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://shop');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><html lang="en"><title>Shop</title><h1 data-testid="shop-page">${url.pathname === '/success' ? 'Thank you' : 'Order canceled'}</h1>`,
    );
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

beforeAll(async () => {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  [browser, shop, { secretKey: key }] = await Promise.all([
    launchChromium(),
    startShop(),
    createTestMerchant('Tea House'),
  ]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await shop?.close();
});

const contexts: BrowserContext[] = [];
afterEach(async () => {
  await Promise.all(contexts.splice(0).map(closeContext));
});

async function newPage(
  device: 'desktop' | 'phone',
  options: { javaScriptEnabled?: boolean; userAgent?: string } = {},
): Promise<Page> {
  const context = await browser.newContext({ ...(device === 'phone' ? PHONE : DESKTOP), ...options });
  context.setDefaultTimeout(PAGE_WAIT_MS);
  contexts.push(context);
  return context.newPage();
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

async function createSession(body: Record<string, unknown> = {}): Promise<Session> {
  const created = await apiFetch<Session>(key, 'POST', '/v1/checkout/sessions', {
    currency: 'CNY',
    line_items: [{ name: 'Longjing tea 龙井', quantity: 2, unit_amount: 1299 }],
    success_url: `${shop.url}/success`,
    cancel_url: `${shop.url}/cancel`,
    ...body,
  });
  expect(created.status).toBe(201);
  return created.body;
}

/** What the page itself reads: the API's public view of the session. */
async function publicSession(id: string): Promise<PublicSession> {
  const response = await fetch(`${testStack().api_url}/checkout/sessions/${id}`);
  expect(response.status).toBe(200);
  return (await response.json()) as PublicSession;
}

async function offeredChannels(page: Page): Promise<(string | null)[]> {
  const inputs = await page.locator('input[name=channel]').all();
  return Promise.all(inputs.map((input) => input.getAttribute('value')));
}

async function choose(page: Page, channel: string): Promise<void> {
  await page.locator(`input[name=channel][value=${channel}]`).check();
  await page.getByTestId('checkout').getByTestId('pay').click();
}

/** The shopper is back at the merchant's success page, and the API agrees the session is paid by `channel`. */
async function expectPaid(page: Page, session: Session, channel: string): Promise<void> {
  await page.waitForURL((url) => url.href.startsWith(`${shop.url}/success`), { timeout: PAGE_WAIT_MS });
  expect(new URL(page.url()).searchParams.get('session_id')).toBe(session.id);
  await page.getByTestId('shop-page').waitFor();
  const paid = await apiFetch<Session>(key, 'GET', `/v1/checkout/sessions/${session.id}`);
  expect(paid.body).toMatchObject({ status: 'complete' });
  const payment = await apiFetch<{ status: string; channel: string; amount: number }>(
    key,
    'GET',
    `/v1/payments/${paid.body.payment}`,
  );
  expect(payment.body).toMatchObject({ status: 'succeeded', channel, amount: session.amount_total });
}

/** On a provider's buyer page (the sandbox's, under `path`), the shopper presses its Pay button. */
async function payAtProvider(page: Page, path = '/'): Promise<void> {
  await page.waitForURL((url) => url.href.startsWith(`${testStack().sandbox_url}${path}`));
  await page.getByTestId('pay').click();
}

describe('the hosted checkout', () => {
  test('a session created through the API sends shoppers to its page on the web app', async () => {
    const session = await createSession();
    expect(session.url).toBe(`${testStack().web_url}/pay/${session.id}`);
    const page = await newPage('desktop');
    const response = await page.goto(session.url);
    expect(response?.status()).toBe(200);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await expect(page.getByTestId('total').textContent()).resolves.toBe('¥25.98');
    await screenshot(page, 'choose-desktop-zh-CN');
  });

  test('a desktop is offered the PC and QR channels, a phone the WAP and H5 ones, each grouped by provider', async () => {
    const session = await createSession();
    const desktop = await newPage('desktop');
    await desktop.goto(session.url);
    expect(await offeredChannels(desktop)).toEqual(['alipay_pc', 'alipay_qr', 'wechat_native', 'unionpay_pc']);
    expect(await desktop.locator('fieldset.provider legend').allTextContents()).toEqual(['支付宝', '微信支付', '银联']);

    const phone = await newPage('phone');
    await phone.goto(session.url);
    expect(await offeredChannels(phone)).toEqual(['alipay_wap', 'wechat_h5', 'unionpay_wap']);
    await screenshot(phone, 'choose-phone-zh-CN');

    // WeChat's own browser: WeChat Pay is JSAPI there, chosen first; H5 would be refused by WeChat.
    const wechat = await newPage('phone', { userAgent: WECHAT_UA });
    await wechat.goto(session.url);
    expect(await offeredChannels(wechat)).toEqual(['alipay_wap', 'wechat_jsapi', 'unionpay_wap']);
    expect(await wechat.locator('input[value=wechat_jsapi]').isChecked()).toBe(true);
    await screenshot(wechat, 'choose-wechat-browser-zh-CN');
    // Without JSAPI allowed, the page says why WeChat Pay is missing.
    const noJsapi = await createSession({ allowed_channels: ['alipay_wap', 'wechat_h5', 'wechat_native'] });
    await wechat.goto(noJsapi.url);
    expect(await offeredChannels(wechat)).toEqual(['alipay_wap']);
    expect(await wechat.getByText('在微信内暂不支持微信支付', { exact: false }).count()).toBe(1);

    // Only what the merchant allowed.
    const alipayOnly = await createSession({ allowed_channels: ['alipay_pc', 'alipay_wap'] });
    await desktop.goto(alipayOnly.url);
    expect(await offeredChannels(desktop)).toEqual(['alipay_pc']);
  });

  test(
    'paying with alipay_pc: redirected to the Alipay cashier, paid there, back on the merchant success page',
    async () => {
      const session = await createSession();
      const page = await newPage('desktop');
      await page.goto(session.url);
      await choose(page, 'alipay_pc');
      await payAtProvider(page);
      await expectPaid(page, session, 'alipay_pc');
    },
    STORY_MS,
  );

  describe.each([
    { channel: 'alipay_qr', provider: 'Alipay' },
    { channel: 'wechat_native', provider: 'WeChat' },
  ])('paying with $channel', ({ channel }) => {
    test(
      'the QR code is shown with a countdown; scanned and paid on a phone, the page follows and goes to success_url',
      async () => {
        const session = await createSession();
        const page = await newPage('desktop');
        await page.goto(session.url);
        await choose(page, channel);

        const qr = page.getByTestId('qr-code');
        await qr.locator('svg').waitFor();
        const data = await qr.getAttribute('data-qr-data');
        const { payment } = await publicSession(session.id);
        expect(payment).toMatchObject({ status: 'requires_action', channel });
        expect(data).toBe(payment!.next_action!.display_qr_code!.data);
        expect(await page.getByTestId('countdown').textContent()).toMatch(/\d+:\d\d/);
        await screenshot(page, `qr-${channel}`);

        // The shopper's phone opens what the code holds: the provider's (sandbox's) buyer page.
        const phone = await newPage('phone');
        await phone.goto(data!);
        await phone.getByTestId('pay').click();
        await expectPaid(page, session, channel);
      },
      STORY_MS,
    );
  });

  test(
    'paying with unionpay_pc: the signed form is submitted to the UnionPay card page, paid there, back on success_url',
    async () => {
      const session = await createSession();
      const page = await newPage('desktop');
      await page.goto(session.url);
      await choose(page, 'unionpay_pc');
      await page.waitForURL((url) => url.href.startsWith(`${testStack().sandbox_url}/unionpay/cashier/`));
      await expect(page.getByTestId('card-number').inputValue()).resolves.toMatch(/^\d{13,19}$/);
      await page.getByTestId('pay').click();
      await expectPaid(page, session, 'unionpay_pc');
    },
    STORY_MS,
  );

  test(
    'without JavaScript, UnionPay’s form waits behind a visible button, and the page still reaches success_url',
    async () => {
      const session = await createSession();
      const page = await newPage('desktop', { javaScriptEnabled: false });
      await page.goto(session.url);
      await choose(page, 'unionpay_pc');
      const form = page.getByTestId('provider-form');
      await form.waitFor();
      await screenshot(page, 'redirecting-unionpay-no-js');
      await form.getByRole('button').click();
      await payAtProvider(page);
      // The sandbox's return page also falls back to a button without JavaScript.
      await page.getByRole('button', { name: /返回商户/ }).click();
      await expectPaid(page, session, 'unionpay_pc');
    },
    STORY_MS,
  );

  describe.each(['alipay_wap', 'wechat_h5', 'unionpay_wap'])('on a phone, paying with %s', (channel) => {
    test(
      'the provider’s mobile page takes the payment and sends the shopper back, then on to success_url',
      async () => {
        const session = await createSession();
        const page = await newPage('phone');
        await page.goto(session.url);
        await choose(page, channel);
        await payAtProvider(page);
        await expectPaid(page, session, channel);
      },
      STORY_MS,
    );
  });

  // The same journeys in English: every channel, with a session whose locale is en-US.
  describe.each([
    { channel: 'alipay_pc', device: 'desktop' },
    { channel: 'alipay_qr', device: 'desktop' },
    { channel: 'wechat_native', device: 'desktop' },
    { channel: 'unionpay_pc', device: 'desktop' },
    { channel: 'alipay_wap', device: 'phone' },
    { channel: 'wechat_h5', device: 'phone' },
    { channel: 'unionpay_wap', device: 'phone' },
    { channel: 'wechat_jsapi', device: 'wechat' },
  ] as const)('in English, paying with $channel', ({ channel, device }) => {
    test(
      'the page speaks English, the provider takes the payment, the shopper lands on success_url',
      async () => {
        const session = await createSession({ locale: 'en-US' });
        const page = device === 'wechat' ? await newPage('phone', { userAgent: WECHAT_UA }) : await newPage(device);
        await page.goto(session.url);
        expect(await page.locator('html').getAttribute('lang')).toBe('en-US');
        expect(await page.locator('legend.picker-legend').textContent()).toBe('Choose how to pay');
        await choose(page, channel);
        if (channel === 'alipay_qr' || channel === 'wechat_native') {
          const qr = page.getByTestId('qr-code');
          await qr.locator('svg').waitFor();
          const phone = await newPage('phone');
          await phone.goto((await qr.getAttribute('data-qr-data'))!);
          await phone.getByTestId('pay').click();
        } else {
          await payAtProvider(page, channel === 'wechat_jsapi' ? '/wechatpay/jsapi/' : '/');
        }
        await expectPaid(page, session, channel);
      },
      STORY_MS,
    );
  });

  test(
    'a channel chosen before the page has hydrated is the one paid with (hydration keeps it)',
    async () => {
      const session = await createSession();
      const page = await newPage('desktop');
      const hydrate = await openBeforeHydration(page, session.url);
      expect(await page.locator('input[name=channel][value=alipay_pc]').isChecked()).toBe(true);
      await page.locator('input[name=channel][value=wechat_native]').check();
      await hydrate();
      expect(await page.locator('input[name=channel][value=wechat_native]').isChecked()).toBe(true);
      await page.getByTestId('checkout').getByTestId('pay').click();
      await page.getByTestId('qr-code').locator('svg').waitFor();
      expect((await publicSession(session.id)).payment).toMatchObject({ channel: 'wechat_native' });
    },
    STORY_MS,
  );

  test('with the keyboard alone: Tab reaches the methods, arrows choose one, Enter pays; groups and statuses are named', async () => {
    const session = await createSession();
    const page = await newPage('desktop');
    await page.goto(session.url);
    expect(await page.getByRole('group', { name: '选择支付方式' }).count()).toBe(1);
    expect(await page.getByRole('group', { name: '微信支付' }).count()).toBe(1);
    expect(await page.getByRole('radio', { name: /支付宝扫码支付/ }).count()).toBe(1);

    await page.keyboard.press('Tab'); // the language switch
    expect(await page.locator(':focus').getAttribute('data-testid')).toBe('switch-language');
    await page.keyboard.press('Tab'); // the radio group: its checked option
    expect(await page.locator(':focus').getAttribute('value')).toBe('alipay_pc');
    await page.keyboard.press('ArrowDown');
    expect(await page.locator(':focus').getAttribute('value')).toBe('alipay_qr');
    expect(await page.locator('input[value=alipay_qr]').isChecked()).toBe(true);
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').getAttribute('data-testid')).toBe('pay');
    await page.keyboard.press('Enter');

    await page.getByRole('img', { name: '支付宝付款二维码' }).waitFor();
    expect(await page.getByRole('status').first().textContent()).toBe('等待付款…');
  });

  test(
    'inside WeChat: WeChat’s OAuth identifies the shopper, WeChat’s payment sheet (the sandbox’s JSAPI page) takes the payment',
    async () => {
      const session = await createSession();
      const page = await newPage('phone', { userAgent: WECHAT_UA });
      await page.goto(session.url);
      await choose(page, 'wechat_jsapi');
      // Through the sandbox's OAuth authorize and back with a code; the page pays and opens the sheet.
      await payAtProvider(page, '/wechatpay/jsapi/');
      await expectPaid(page, session, 'wechat_jsapi');
    },
    STORY_MS,
  );

  test('switching the language shows the page in English, and back in Chinese', async () => {
    const session = await createSession();
    const page = await newPage('desktop');
    await page.goto(session.url);
    expect(await page.locator('legend.picker-legend').textContent()).toBe('选择支付方式');
    expect(await page.getByTestId('test-mode').textContent()).toBe('测试模式：不会实际扣款');

    await page.getByTestId('switch-language').click();
    await page.waitForURL(/[?&]lang=en-US/);
    expect(await page.locator('html').getAttribute('lang')).toBe('en-US');
    expect(await page.locator('h1').textContent()).toBe('Pay Tea House');
    expect(await page.getByTestId('test-mode').textContent()).toBe('Test mode: nothing is charged');
    expect(await page.locator('legend.picker-legend').textContent()).toBe('Choose how to pay');
    expect(await page.getByTestId('checkout').getByTestId('pay').textContent()).toBe('Pay ¥25.98');
    expect(await page.getByTestId('cancel').textContent()).toBe('Cancel and return to Tea House');
    expect(await page.locator('fieldset.provider legend').allTextContents()).toEqual([
      'Alipay',
      'WeChat Pay',
      'UnionPay',
    ]);
    await screenshot(page, 'choose-desktop-en-US');

    // The choice is remembered (a cookie) on the next visit without ?lang.
    await page.goto(session.url);
    expect(await page.locator('html').getAttribute('lang')).toBe('en-US');

    await page.getByTestId('switch-language').click();
    await page.waitForURL(/[?&]lang=zh-CN/);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    expect(await page.locator('h1').textContent()).toBe('付款给 Tea House');
  });

  test('a session created with locale en-US opens in English; the cancel link goes back to cancel_url', async () => {
    const session = await createSession({ locale: 'en-US' });
    const page = await newPage('phone');
    await page.goto(session.url);
    expect(await page.locator('html').getAttribute('lang')).toBe('en-US');
    expect(await page.locator('legend.picker-legend').textContent()).toBe('Choose how to pay');
    await page.getByTestId('cancel').click();
    await page.waitForURL(`${shop.url}/cancel`);
  });

  test('an expired session shows that it has expired instead of the payment methods', async () => {
    const session = await createSession();
    const expired = await apiFetch(key, 'POST', `/v1/checkout/sessions/${session.id}/expire`);
    expect(expired.status).toBe(200);
    const page = await newPage('desktop');
    await page.goto(session.url);
    await page.getByTestId('expired').waitFor();
    expect(await page.getByTestId('expired').locator('h2').textContent()).toBe('订单已过期');
    expect(await page.locator('input[name=channel]').count()).toBe(0);
    expect(await page.getByTestId('expired').getByRole('link').getAttribute('href')).toBe(`${shop.url}/cancel`);
    await screenshot(page, 'session-expired');
  });

  test(
    'a paid session shows that it is paid, then returns the shopper to success_url',
    async () => {
      const session = await createSession();
      const page = await newPage('desktop');
      await page.goto(session.url);
      await choose(page, 'alipay_pc');
      await payAtProvider(page);
      await expectPaid(page, session, 'alipay_pc');

      // Coming back to the link later: paid, nothing more to choose, and on to the merchant again.
      const again = await newPage('desktop', { javaScriptEnabled: false });
      await again.goto(session.url);
      await again.getByTestId('paid').waitFor();
      expect(await again.locator('input[name=channel]').count()).toBe(0);
      await screenshot(again, 'session-paid');
      await expectPaid(again, session, 'alipay_pc');
    },
    STORY_MS,
  );

  test('a coupon and tax rates, inclusive and exclusive, give the right lines and total on the page', async () => {
    const vat6 = await apiFetch<{ id: string }>(key, 'POST', '/v1/tax_rates', {
      display_name: 'VAT',
      percentage: 6,
      inclusive: false,
    });
    const vat13 = await apiFetch<{ id: string }>(key, 'POST', '/v1/tax_rates', {
      display_name: 'VAT',
      percentage: 13,
      inclusive: true,
    });
    expect([vat6.status, vat13.status]).toEqual([201, 201]);
    const coupon = await apiFetch(key, 'POST', '/v1/coupons', { code: 'SPRING10', percent_off: 10 });
    expect(coupon.status).toBe(201);
    const session = await createSession({
      line_items: [
        { name: 'Tea set', quantity: 2, unit_amount: 10000, tax_rate: vat6.body.id },
        { name: 'Teacup', quantity: 1, unit_amount: 5000, tax_rate: vat13.body.id },
      ],
      discounts: [{ coupon: 'SPRING10' }],
    });
    // Per line, half up: tea set 20000 − 2000 = 18000, + 6% = 1080 tax; teacup 5000 − 500 = 4500,
    // of which 13% included: 4500 − 4500 / 1.13 = 517.70… → 518. Total 18000 + 1080 + 4500.
    expect(session).toMatchObject({
      amount_subtotal: 25000,
      amount_discount: 2500,
      amount_tax: 1598,
      amount_total: 23580,
    });

    const page = await newPage('desktop');
    await page.goto(session.url);
    const text = async (id: string) => (await page.getByTestId(id).allTextContents()).map((value) => value.trim());
    expect(await text('line-amount')).toEqual(['¥200.00', '¥50.00']);
    expect(await text('subtotal')).toEqual(['¥250.00']);
    expect(await text('discount')).toEqual(['−¥25.00']);
    expect(await text('tax-added')).toEqual(['¥10.80']);
    expect(await text('tax-included')).toEqual(['已含VAT（13%）¥5.18']);
    expect(await text('total')).toEqual(['¥235.80']);
    expect(await text('amount')).toEqual(['¥235.80']);
    await screenshot(page, 'totals-coupon-tax-zh-CN');

    await page.getByTestId('switch-language').click();
    await page.waitForURL(/lang=en-US/);
    expect(await text('line-tax')).toEqual(['plus ¥10.80 tax', 'includes ¥5.18 tax']);
    expect(await text('tax-included')).toEqual(['Includes ¥5.18 VAT (13%)']);
    expect(await page.locator('.discount dt').textContent()).toContain('Discount (SPRING10)');
    await screenshot(page, 'totals-coupon-tax-en-US');
  });

  test(
    'when the payment behind a QR code expires, the page says so and the shopper can pay again',
    async () => {
      const session = await createSession();
      const page = await newPage('desktop');
      await page.goto(session.url);
      await choose(page, 'alipay_qr');
      await page.getByTestId('qr-code').waitFor();
      const first = (await publicSession(session.id)).payment!.id;
      // The test stack's timers run 60× faster: the payment's 15 minutes are 15 seconds here.
      await page.getByTestId('notice').waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('notice').textContent()).toBe('付款已超时，请重新选择支付方式。');
      await screenshot(page, 'payment-expired');

      await choose(page, 'wechat_native');
      await page.getByTestId('qr-code').waitFor();
      await eventually(async () => {
        const { payment } = await publicSession(session.id);
        expect(payment).toMatchObject({ channel: 'wechat_native', status: 'requires_action' });
        expect(payment!.id).not.toBe(first);
      });
    },
    STORY_MS,
  );

  test('an unknown session is a 404 page that says so', async () => {
    const page = await newPage('desktop');
    const response = await page.goto(`${testStack().web_url}/pay/cs_doesnotexist123`);
    expect(response?.status()).toBe(404);
    expect(await page.getByTestId('error').locator('h1').textContent()).toBe('找不到该付款页面');
  });
});

describe('saving details on the hosted checkout', () => {
  /** A mainland mobile of this story's own: the sandbox's inbox and the send limits are per phone. */
  const mobile = `137${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  const maskedMobile = `+86 ${mobile.slice(0, 3)}****${mobile.slice(7)}`;

  async function customersWithPhone(): Promise<{ id: string; email: string | null; name: string | null }[]> {
    const found = await apiFetch<{ data: { id: string; email: string | null; name: string | null }[] }>(
      key,
      'GET',
      `/v1/customers?phone=${mobile}`,
    );
    expect(found.status).toBe(200);
    return found.body.data;
  }

  /** The newest code the sandbox's inbox shows for the phone, as the shopper reads it on their phone. */
  async function smsCode(): Promise<string> {
    return eventually(
      async () => {
        const inbox = await fetch(
          `${testStack().sandbox_url}/_control/messages?to=${encodeURIComponent(`+86${mobile}`)}&channel=sms`,
        );
        const { data } = (await inbox.json()) as { data: { body: string }[] };
        const code = /\b(\d{6})\b/.exec(data[0]?.body ?? '')?.[1];
        expect(code).toBeDefined();
        return code!;
      },
      { timeoutMs: 30_000 },
    );
  }

  test(
    'unticked, nothing typed leaves the page: paying makes no customer',
    async () => {
      const session = await createSession({ save_customer: 'optional' });
      const page = await newPage('desktop');
      await page.goto(session.url);
      await page.getByTestId('details-phone').fill(mobile);
      await page.getByTestId('details-email').fill('li.wei@qq.com');
      await choose(page, 'alipay_qr');
      await page.getByTestId('qr-code').waitFor();
      expect(await customersWithPhone()).toEqual([]);
    },
    STORY_MS,
  );

  test(
    'inside WeChat, the details go with the payment made after WeChat’s OAuth; refused, they are shown again with the reason',
    async () => {
      const wechatMobile = `136${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
      const fillAndPay = async (sessionUrl: string) => {
        const page = await newPage('phone', { userAgent: WECHAT_UA });
        await page.goto(sessionUrl);
        await page.getByTestId('details-phone').fill(wechatMobile);
        await page.getByTestId('details-email').fill('wx@shop.example');
        await page.getByTestId('details-save').check();
        await choose(page, 'wechat_jsapi');
        return page;
      };
      const session = await createSession({ save_customer: 'optional' });
      const paying = await fillAndPay(session.url);
      await payAtProvider(paying, '/wechatpay/jsapi/');
      await expectPaid(paying, session, 'wechat_jsapi');
      const saved = await apiFetch<{ customer: string | null }>(key, 'GET', `/v1/checkout/sessions/${session.id}`);
      const found = await apiFetch<{ data: { id: string; email: string }[] }>(
        key,
        'GET',
        `/v1/customers?phone=${wechatMobile}`,
      );
      expect(found.body.data).toEqual([expect.objectContaining({ id: saved.body.customer, email: 'wx@shop.example' })]);

      // The same phone from another session, without its SMS code: WeChat's OAuth went through, the save did not.
      const other = await createSession({ save_customer: 'optional' });
      const refused = await fillAndPay(other.url);
      await expect(refused.getByTestId('details-error').getAttribute('data-error')).resolves.toBe(
        'verification_required',
      );
      expect(await refused.getByTestId('details-phone').inputValue()).toBe(wechatMobile);
      expect(await refused.getByTestId('details-save').isChecked()).toBe(true);
      expect(
        (await apiFetch<{ payment: string | null }>(key, 'GET', `/v1/checkout/sessions/${other.id}`)).body.payment,
      ).toBeNull();
      await screenshot(refused, 'details-wechat-refused-zh-CN');
    },
    STORY_MS,
  );

  test(
    'details typed and ticked before the page has hydrated are the ones that go with the payment (hydration keeps them)',
    async () => {
      const slowMobile = `135${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
      const session = await createSession({ save_customer: 'optional' });
      const page = await newPage('desktop');
      // The shopper types while the page's JavaScript is still on its way.
      const hydrate = await openBeforeHydration(page, session.url);
      await page.getByTestId('details-phone').fill(slowMobile);
      await page.getByTestId('details-email').fill('slow@shop.example');
      await page.getByTestId('details-name').fill('Slow Shopper');
      await page.getByTestId('details-receipt').check();
      await page.getByTestId('details-save').check();
      await hydrate();
      expect(await page.getByTestId('details-phone').inputValue()).toBe(slowMobile);
      expect(await page.getByTestId('details-email').inputValue()).toBe('slow@shop.example');
      expect(await page.getByTestId('details-name').inputValue()).toBe('Slow Shopper');
      expect(await page.getByTestId('details-receipt').isChecked()).toBe(true);
      expect(await page.getByTestId('details-save').isChecked()).toBe(true);

      await choose(page, 'alipay_qr');
      await page.getByTestId('qr-code').waitFor();
      const found = await apiFetch<{ data: { email: string | null; name: string | null }[] }>(
        key,
        'GET',
        `/v1/customers?phone=${slowMobile}`,
      );
      expect(found.body.data).toEqual([expect.objectContaining({ email: 'slow@shop.example', name: 'Slow Shopper' })]);
    },
    STORY_MS,
  );

  test(
    'a shopper saves their details, comes back in a new session with the same phone, verifies the SMS code and finds them filled in',
    async () => {
      // First visit, in Chinese: the section, both choices unticked; the shopper ticks "save" and pays.
      const first = await createSession({ save_customer: 'optional' });
      const page = await newPage('desktop');
      await page.goto(first.url);
      const section = page.getByTestId('details');
      await expect(section.locator('legend').textContent()).resolves.toBe('电子收据与信息保存');
      expect(await page.getByTestId('details-receipt').isChecked()).toBe(false);
      expect(await page.getByTestId('details-save').isChecked()).toBe(false);
      await expect(section.textContent()).resolves.toContain('同意Tea House保存我的手机号码');
      await page.getByTestId('details-phone').fill(mobile);
      await page.getByTestId('details-email').fill('li.wei@qq.com');
      await page.getByTestId('details-name').fill('李伟');
      await page.getByTestId('details-save').check();
      await screenshot(page, 'details-save-zh-CN');
      await choose(page, 'alipay_qr');
      await page.getByTestId('qr-code').waitFor();
      const [customer, ...others] = await customersWithPhone();
      expect(others).toEqual([]);
      expect(customer).toMatchObject({ email: 'li.wei@qq.com', name: '李伟' });

      // Meanwhile the merchant adds the address the parcel went to.
      const address = { line1: '南京东路 100 号', district: '黄浦区', city: '上海', country: 'CN' };
      expect((await apiFetch(key, 'POST', `/v1/customers/${customer.id}`, { shipping_address: address })).status).toBe(
        200,
      );

      // Back another day, on another device, in English: the phone alone, then a code by SMS.
      const second = await createSession({ save_customer: 'optional' });
      const again = await newPage('phone');
      await again.goto(`${second.url}?lang=en-US`);
      await expect(again.getByTestId('details').locator('legend').textContent()).resolves.toBe(
        'Receipt and saved details',
      );
      await screenshot(again, 'details-empty-en-US');
      await again.getByTestId('details-phone').fill(mobile);
      await again.getByTestId('details-lookup').click();
      await again.getByTestId('details-code-box').waitFor();
      const masked = again.getByTestId('details-masked');
      // Until the code is typed, the details are shown masked only.
      expect(await again.getByTestId('details-code-box').textContent()).toContain(maskedMobile.replace(' ', '\u00a0'));
      expect(await masked.locator('li').allTextContents()).toEqual(['李*', 'l***@qq.com', 'a shipping address']);
      expect(await again.getByTestId('details-email').inputValue()).toBe('');
      await screenshot(again, 'details-code-sent-en-US');

      const code = await smsCode();
      await again.getByTestId('details-code').fill(code === '000000' ? '000001' : '000000');
      await again.getByTestId('details-verify').click();
      await expect(again.getByTestId('details-error').textContent()).resolves.toBe(
        'That code is not right. Check the SMS and try again.',
      );
      await again.getByTestId('details-code').fill(code);
      await again.getByTestId('details-verify').click();
      await again.getByTestId('details-verified').waitFor();
      expect(await again.getByTestId('details-phone').inputValue()).toBe(`+86${mobile}`);
      expect(await again.getByTestId('details-email').inputValue()).toBe('li.wei@qq.com');
      expect(await again.getByTestId('details-name').inputValue()).toBe('李伟');
      await expect(again.getByTestId('details-address').textContent()).resolves.toContain(
        '南京东路 100 号, 黄浦区, 上海, CN',
      );
      await screenshot(again, 'details-verified-en-US');

      // The same moment in Chinese: the code box, masked, and the refusal of a wrong code.
      const third = await createSession({ save_customer: 'optional' });
      const zh = await newPage('phone');
      await zh.goto(third.url);
      await zh.getByTestId('details-phone').fill(mobile);
      await zh.getByTestId('details-lookup').click();
      await zh.getByTestId('details-code-box').waitFor();
      await zh.getByTestId('details-code').fill('12');
      await zh.getByTestId('details-verify').click();
      await expect(zh.getByTestId('details-error').textContent()).resolves.toBe('请输入 6 位数字验证码。');
      await screenshot(zh, 'details-code-sent-zh-CN');
    },
    STORY_MS,
  );
});
