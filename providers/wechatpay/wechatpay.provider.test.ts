import { generateKeyPairSync } from 'node:crypto';
import { rawNotificationOf } from '../contract/provider-contract';
import {
  eventually,
  freePort,
  newOutTradeNo,
  startReceiver,
  startTestSandbox,
  type ReceivedRequest,
  type Receiver,
  type TestSandbox,
} from '../../sandbox/sandbox.testing';
import { openWechatpayAccount, type WechatpaySandboxAccount } from '../../sandbox/wechatpay/wechatpay.testing';
import {
  NotificationRejectedError,
  ProviderDeclinedError,
  ProviderInvalidRequestError,
  ProviderUnavailableError,
} from '../errors';
import type {
  CreatePaymentInput,
  PaymentProvider,
  ProviderOrderRef,
  ProviderRefundRef,
  RawNotification,
  RefundInput,
} from '../provider';
import type { ProviderAccount } from '../../domain/provider-account';
import { wechatpayCredentialsFromSandbox, type WechatpayCredentials } from './wechatpay.config';
import { createWechatpayProvider, type WechatpayProviderOptions } from './wechatpay.provider';

// The adapter through wechatpay-axios-plugin against the sandbox: every method of PaymentProvider,
// each kind of failure classified as the workflow needs it, and notifications refused for the
// right reason.

let sandbox: TestSandbox;
let receiver: Receiver;

beforeAll(async () => {
  sandbox = await startTestSandbox({ timeScale: 600 });
  receiver = await startReceiver();
});

afterAll(async () => {
  await sandbox?.close();
  await receiver?.close();
});

function accountOf(
  answer: WechatpaySandboxAccount,
  credentials: WechatpayCredentials = wechatpayCredentialsFromSandbox(answer),
): ProviderAccount {
  return { id: `pa_${answer.mchid}`, provider: 'wechatpay', livemode: false, externalId: answer.mchid, credentials };
}

async function newProvider(
  options: WechatpayProviderOptions = {},
  accountOptions: Record<string, unknown> = {},
): Promise<{ provider: PaymentProvider; account: ProviderAccount; answer: WechatpaySandboxAccount }> {
  const answer = await openWechatpayAccount(sandbox, accountOptions);
  const account = accountOf(answer);
  return { provider: createWechatpayProvider(account, { sandboxUrl: sandbox.url }, options), account, answer };
}

function paymentInput(
  channel: CreatePaymentInput['channel'],
  overrides: Partial<CreatePaymentInput> = {},
): CreatePaymentInput {
  const outTradeNo = overrides.outTradeNo ?? newOutTradeNo('pay');
  return {
    channel,
    outTradeNo,
    amountMinor: 1999,
    currency: 'CNY',
    description: 'Tea set 茶具',
    notifyUrl: `${receiver.url}/${outTradeNo}`,
    returnUrl: null,
    createdAt: new Date(),
    expiresAt: new Date(Date.now() + 15 * 60_000),
    clientIp: null,
    openid: null,
    ...overrides,
  };
}

/** The order a create made, as the payment's row names it afterwards (WeChat needs only the number). */
const orderOf = (input: CreatePaymentInput): ProviderOrderRef => ({
  outTradeNo: input.outTradeNo,
  createdAt: input.createdAt,
});

/** An order number WeChat never saw, named as if created now. */
const unknownOrder = (outTradeNo = newOutTradeNo('pay')): ProviderOrderRef => ({ outTradeNo, createdAt: new Date() });

/** A refund of `order`, created now; its retries carry the same time. */
const newRefund = (order: ProviderOrderRef, outRefundNo: string): ProviderRefundRef => ({
  outTradeNo: order.outTradeNo,
  outRefundNo,
  requestedAt: new Date(),
});

/** The input of `refund`, as the refund workflow would build it (the same on every retry). */
const refundInput = (
  order: ProviderOrderRef,
  refund: ProviderRefundRef,
  amountMinor: number,
  totalAmountMinor: number,
): RefundInput => ({
  ...refund,
  paymentCreatedAt: order.createdAt,
  amountMinor,
  totalAmountMinor,
  reason: null,
  notifyUrl: `${receiver.url}/${order.outTradeNo}-refunds`,
});

const pay = (account: ProviderAccount, outTradeNo: string, outcome: 'success' | 'fail' = 'success') =>
  sandbox.control('POST', '/_control/pay', {
    provider: 'wechatpay',
    out_trade_no: outTradeNo,
    account: account.externalId,
    outcome,
  });
const tradeRecord = async (outTradeNo: string) =>
  (await sandbox.control('GET', `/_control/trades/wechatpay/${outTradeNo}`)).body;
const fault = (rule: Record<string, unknown>) =>
  sandbox.control('POST', '/_control/faults', { provider: 'wechatpay', ...rule });

async function nativePayment(
  provider: PaymentProvider,
  amountMinor = 1999,
): Promise<{ order: ProviderOrderRef; codeUrl: string }> {
  const input = paymentInput('wechat_native', { amountMinor });
  const { nextAction } = await provider.createPayment(input);
  if (nextAction.type !== 'display_qr_code') throw new Error(`expected a QR code, got ${nextAction.type}`);
  return { order: orderOf(input), codeUrl: nextAction.display_qr_code.data };
}

async function paidPayment(
  provider: PaymentProvider,
  account: ProviderAccount,
  amountMinor = 1999,
): Promise<ProviderOrderRef> {
  const { order } = await nativePayment(provider, amountMinor);
  expect((await pay(account, order.outTradeNo)).status).toBe(200);
  return order;
}

async function notificationsTo(path: string, count = 1): Promise<ReceivedRequest[]> {
  return eventually(() => {
    const found = receiver.requests.filter((r) => r.path === `/notify/${path}`);
    expect(found.length).toBeGreaterThanOrEqual(count);
    return found;
  });
}

async function notificationOf(outTradeNo: string): Promise<RawNotification> {
  const [request] = await notificationsTo(outTradeNo);
  return rawNotificationOf(request);
}

async function rejection(provider: PaymentProvider, notification: RawNotification): Promise<NotificationRejectedError> {
  const error = await provider.verifyNotification(notification).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NotificationRejectedError);
  return error as NotificationRejectedError;
}

describe('createPayment', () => {
  test('wechat_native prepays and shows code_url; time_expire is expiresAt in China time; the description is cut to 127 characters', async () => {
    const { provider } = await newProvider();
    const expiresAt = new Date(Date.now() + 10 * 60_000);
    const input = paymentInput('wechat_native', { expiresAt, description: '茶'.repeat(128) });
    const { nextAction } = await provider.createPayment(input);
    expect(nextAction).toEqual({
      type: 'display_qr_code',
      display_qr_code: {
        data: expect.stringMatching(new RegExp(`^${sandbox.url}/wechatpay/scan/wx`)),
        image_svg_url: null,
      },
    });
    const record = await tradeRecord(input.outTradeNo);
    expect(record).toMatchObject({ trade_type: 'NATIVE', amount: 1999, notify_url: input.notifyUrl, state: 'NOTPAY' });
    expect(record.description).toHaveLength(127);
    expect(record.time_expire).toBe(new Date(Math.floor(expiresAt.getTime() / 1000) * 1000).toISOString());
  });

  test("wechat_jsapi answers the parameters getBrandWCPayRequest takes, signed with the merchant's key; the sandbox's JSAPI page accepts them", async () => {
    const { provider, answer } = await newProvider();
    const input = paymentInput('wechat_jsapi', { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' });
    const { nextAction } = await provider.createPayment(input);
    if (nextAction.type !== 'wechat_jsapi') throw new Error(nextAction.type);
    const parameters = nextAction.wechat_jsapi;
    expect(parameters).toEqual({
      appId: answer.appid,
      timeStamp: expect.stringMatching(/^\d{10}$/),
      nonceStr: expect.stringMatching(/^[0-9A-Za-z]{32}$/),
      package: expect.stringMatching(/^prepay_id=wx\w+$/),
      signType: 'RSA',
      paySign: expect.any(String),
    });
    expect(Math.abs(Number(parameters.timeStamp) - Date.now() / 1000)).toBeLessThan(60);
    const prepayId = parameters.package.slice('prepay_id='.length);
    const page = await fetch(`${sandbox.url}/wechatpay/jsapi/${prepayId}?${new URLSearchParams(parameters)}`);
    expect(page.status).toBe(200);
    expect(await tradeRecord(input.outTradeNo)).toMatchObject({
      trade_type: 'JSAPI',
      payer_openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
    });
  });

  test('wechat_h5 sends the shopper to h5_url with redirect_url appended; paying there returns them to returnUrl', async () => {
    const { provider } = await newProvider();
    const input = paymentInput('wechat_h5', {
      clientIp: '203.0.113.7',
      returnUrl: 'https://shop.example/done?order=42',
    });
    const { nextAction } = await provider.createPayment(input);
    if (nextAction.type !== 'redirect_to_url') throw new Error(nextAction.type);
    expect(nextAction.redirect_to_url).toEqual({
      url: expect.stringMatching(
        new RegExp(
          `^${sandbox.url}/wechatpay/checkmweb\\?prepay_id=wx\\w+&package=\\d+&redirect_url=https%3A%2F%2Fshop.example%2Fdone%3Forder%3D42$`,
        ),
      ),
      method: 'GET',
      form: null,
    });
    const html = await (await fetch(nextAction.redirect_to_url.url)).text();
    const form = /action="([^"]+\/pay)"><input type="hidden" name="redirect_url" value="([^"]+)"/.exec(html);
    const paid = await fetch(form?.[1] ?? '', {
      method: 'POST',
      body: new URLSearchParams({ redirect_url: (form?.[2] ?? '').replace(/&amp;/g, '&') }),
      redirect: 'manual',
    });
    expect(paid.headers.get('location')).toBe('https://shop.example/done?order=42');
    expect(await tradeRecord(input.outTradeNo)).toMatchObject({
      trade_type: 'MWEB',
      payer_client_ip: '203.0.113.7',
      state: 'SUCCESS',
    });
  });

  test('JSAPI without openid, H5 without client IP and a channel WeChat does not serve are invalid requests, refused before any call', async () => {
    const { provider } = await newProvider();
    const jsapi = paymentInput('wechat_jsapi');
    await expect(provider.createPayment(jsapi)).rejects.toThrow(ProviderInvalidRequestError);
    await expect(provider.createPayment(paymentInput('wechat_h5'))).rejects.toThrow(ProviderInvalidRequestError);
    await expect(provider.createPayment(paymentInput('alipay_qr'))).rejects.toThrow(
      /does not serve the alipay_qr channel/,
    );
    expect((await sandbox.control('GET', `/_control/trades/wechatpay/${jsapi.outTradeNo}`)).status).toBe(404);
  });

  test('the same order with another amount is an invalid request; a paid one is declined; zero fen is PARAM_ERROR', async () => {
    const { provider, account } = await newProvider();
    const { outTradeNo } = (await nativePayment(provider)).order;
    await expect(
      provider.createPayment(paymentInput('wechat_native', { outTradeNo, amountMinor: 2000 })),
    ).rejects.toMatchObject({
      constructor: ProviderInvalidRequestError,
      providerCode: 'OUT_TRADE_NO_USED',
    });
    await pay(account, outTradeNo);
    await expect(provider.createPayment(paymentInput('wechat_native', { outTradeNo }))).rejects.toMatchObject({
      constructor: ProviderDeclinedError,
      providerCode: 'ORDER_PAID',
    });
    await expect(provider.createPayment(paymentInput('wechat_native', { amountMinor: 0 }))).rejects.toMatchObject({
      constructor: ProviderInvalidRequestError,
      providerCode: 'PARAM_ERROR',
    });
  });
});

describe('queryPayment', () => {
  test('pending, then succeeded with the transaction id and when it was paid; unknown orders are not_found', async () => {
    const { provider, account } = await newProvider();
    const { order } = await nativePayment(provider);
    const { outTradeNo } = order;
    expect(await provider.queryPayment(order)).toEqual({
      outTradeNo,
      status: 'pending',
      providerTradeNo: null,
      amountMinor: 1999,
      paidAt: null,
      failureCode: null,
      failureMessage: null,
    });
    await pay(account, outTradeNo);
    const paid = await provider.queryPayment(order);
    expect(paid).toMatchObject({ outTradeNo, status: 'succeeded', amountMinor: 1999, failureCode: null });
    expect(paid.providerTradeNo).toMatch(/^\d{28}$/);
    expect(Math.abs(Date.parse(paid.paidAt ?? '') - Date.now())).toBeLessThan(60_000);
    expect(paid.paidAt).toMatch(/Z$/);
    expect(await provider.queryPayment(unknownOrder())).toMatchObject({ status: 'not_found', amountMinor: null });
  });

  test('a shopper entering the password is processing; a failed payment is failed with PAYERROR', async () => {
    const { provider, account } = await newProvider();
    const { order, codeUrl } = await nativePayment(provider);
    const html = await (await fetch(codeUrl)).text();
    await fetch(/action="([^"]+\/paying)"/.exec(html)?.[1] ?? '', { method: 'POST', redirect: 'manual' });
    expect((await provider.queryPayment(order)).status).toBe('processing');
    await pay(account, order.outTradeNo, 'fail');
    expect(await provider.queryPayment(order)).toMatchObject({
      status: 'failed',
      failureCode: 'PAYERROR',
      failureMessage: expect.any(String),
      providerTradeNo: null,
    });
  });
});

describe('closePayment', () => {
  test('closes an unpaid order, again, and an unknown one; a paid order is already_paid', async () => {
    const { provider, account } = await newProvider();
    const { order } = await nativePayment(provider);
    expect(await provider.closePayment(order)).toBe('closed');
    expect((await provider.queryPayment(order)).status).toBe('closed');
    expect(await provider.closePayment(order)).toBe('closed');
    expect((await pay(account, order.outTradeNo)).status).toBe(409);
    // WeChat answers 204 for an order it never had; the adapter's query finds nothing: closed.
    expect(await provider.closePayment(unknownOrder())).toBe('closed');
    expect(await provider.closePayment(await paidPayment(provider, account))).toBe('already_paid');
  });

  test('while the shopper enters the password, closing is retryable (USER_PAYING)', async () => {
    const { provider } = await newProvider();
    const { order, codeUrl } = await nativePayment(provider);
    const html = await (await fetch(codeUrl)).text();
    await fetch(/action="([^"]+\/paying)"/.exec(html)?.[1] ?? '', { method: 'POST', redirect: 'manual' });
    await expect(provider.closePayment(order)).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: 'USER_PAYING',
    });
  });
});

describe('refund and queryRefund', () => {
  test('pending, then succeeded; the same outRefundNo refunds once; a refund over what is left is refused; WeChat notifies the refund', async () => {
    const { provider, account } = await newProvider();
    const order = await paidPayment(provider, account, 10000);
    const { outTradeNo } = order;
    const r1 = newRefund(order, `${outTradeNo}R1`);
    const refund = (ref: ProviderRefundRef, amountMinor: number) =>
      provider.refund({ ...refundInput(order, ref, amountMinor, 10000), reason: '商品已售完'.repeat(20) });

    const first = await refund(r1, 3000);
    expect(first).toEqual({
      outRefundNo: `${outTradeNo}R1`,
      status: 'pending',
      providerRefundNo: expect.stringMatching(/^\d{29}$/),
      amountMinor: 3000,
      failureReason: null,
    });
    expect(await refund(r1, 3000)).toMatchObject({ providerRefundNo: first.providerRefundNo });
    await expect(refund(newRefund(order, `${outTradeNo}R2`), 7001)).rejects.toMatchObject({
      constructor: ProviderInvalidRequestError,
      providerCode: 'INVALID_REQUEST',
    });
    const refunds = (await tradeRecord(outTradeNo)).refunds as Array<{ reason: string }>;
    expect(refunds).toHaveLength(1);
    expect(refunds[0].reason).toHaveLength(80);

    const settled = await eventually(async () => {
      const found = await provider.queryRefund(r1);
      expect(found.status).toBe('succeeded');
      return found;
    });
    expect(settled).toEqual({ ...first, status: 'succeeded' });
    expect(await provider.queryRefund(newRefund(order, 'R9'))).toEqual({
      outRefundNo: 'R9',
      status: 'not_found',
      providerRefundNo: null,
      amountMinor: null,
      failureReason: null,
    });
    // Refunded, the order says REFUND; the payment itself still succeeded.
    expect(await provider.queryPayment(order)).toMatchObject({ status: 'succeeded', amountMinor: 10000 });

    const [notice] = await notificationsTo(`${outTradeNo}-refunds`);
    expect(await provider.verifyNotification(rawNotificationOf(notice))).toEqual({
      kind: 'refund',
      outTradeNo,
      refund: {
        outRefundNo: `${outTradeNo}R1`,
        status: 'succeeded',
        providerRefundNo: first.providerRefundNo,
        amountMinor: 3000,
        failureReason: null,
      },
    });
  });

  test('an unpaid order cannot be refunded', async () => {
    const { provider } = await newProvider();
    const { order } = await nativePayment(provider);
    await expect(provider.refund(refundInput(order, newRefund(order, 'R1'), 100, 1999))).rejects.toMatchObject({
      constructor: ProviderInvalidRequestError,
      providerCode: 'RESOURCE_NOT_EXISTS',
    });
  });
});

describe('verifyNotification', () => {
  test('accepts WeChat’s signed, encrypted notification and reads the payment from it', async () => {
    const { provider, account } = await newProvider();
    const { outTradeNo } = await paidPayment(provider, account);
    const verified = await provider.verifyNotification(await notificationOf(outTradeNo));
    expect(verified).toEqual({
      kind: 'payment',
      trade: {
        outTradeNo,
        status: 'succeeded',
        providerTradeNo: expect.stringMatching(/^\d{28}$/),
        amountMinor: 1999,
        paidAt: expect.stringMatching(/Z$/),
        failureCode: null,
        failureMessage: null,
      },
    });
  });

  test.each([
    ['tamper_signature', /signature does not verify/],
    ['tamper_amount', /signature does not verify/],
    ['stale_timestamp', /away from now/],
  ])('%s is refused: %p', async (mode, reason) => {
    const { provider, account } = await newProvider();
    const { outTradeNo } = (await nativePayment(provider)).order;
    await fault({ out_trade_no: outTradeNo, notifications: mode });
    await pay(account, outTradeNo);
    expect((await rejection(provider, await notificationOf(outTradeNo))).message).toMatch(reason);
  });

  test('a genuine notification is refused once it is more than 5 minutes old', async () => {
    const { provider, account } = await newProvider();
    const { outTradeNo } = await paidPayment(provider, account);
    const notification = await notificationOf(outTradeNo);
    const later = createWechatpayProvider(
      account,
      { sandboxUrl: sandbox.url },
      { now: () => new Date(Date.now() + 301_000) },
    );
    expect((await rejection(later, notification)).message).toMatch(/away from now/);
    const soonAfter = createWechatpayProvider(
      account,
      { sandboxUrl: sandbox.url },
      { now: () => new Date(Date.now() + 240_000) },
    );
    expect((await soonAfter.verifyNotification(notification)).kind).toBe('payment');
  });

  test("another merchant's notification is refused by its mchid, though the same WeChat key signed it and the same APIv3 key opens it", async () => {
    const { provider: mine, answer: myAnswer, account: myAccount } = await newProvider();
    const theirAnswer = await openWechatpayAccount(sandbox, { share_provider_keys_with: myAnswer.mchid });
    const theirAccount = accountOf(theirAnswer);
    const theirs = createWechatpayProvider(theirAccount, { sandboxUrl: sandbox.url });
    const { outTradeNo } = await paidPayment(theirs, theirAccount);
    const notification = await notificationOf(outTradeNo);
    expect((await theirs.verifyNotification(notification)).kind).toBe('payment');
    expect((await rejection(mine, notification)).message).toBe(
      `notification is for mchid ${theirAnswer.mchid}, not ${myAccount.externalId}`,
    );
  });

  test('key rotation: with both keys configured, notifications signed by either verify; a key the account lacks is refused', async () => {
    const { provider, account, answer } = await newProvider({}, { verification: 'both' });
    const orders = [await paidPayment(provider, account), await paidPayment(provider, account)];
    const notifications = await Promise.all(orders.map((order) => notificationOf(order.outTradeNo)));
    const serials = notifications.map((n) => n.headers['wechatpay-serial']);
    expect(new Set(serials)).toEqual(
      new Set([answer.wechatpay_public_key_id, answer.platform_certificates?.[0].serial_no]),
    );
    for (const notification of notifications)
      expect((await provider.verifyNotification(notification)).kind).toBe('payment');

    const credentials = account.credentials as WechatpayCredentials;
    const publicKeyOnly = createWechatpayProvider(
      {
        ...account,
        credentials: {
          ...credentials,
          verificationKeys: credentials.verificationKeys.filter((key) => key.kind === 'public_key'),
        },
      },
      { sandboxUrl: sandbox.url },
    );
    const byCertificate = notifications[serials.indexOf(answer.platform_certificates?.[0].serial_no)];
    expect((await rejection(publicKeyOnly, byCertificate)).message).toMatch(/which mchid \d+ does not have/);
    // The public-key-only adapter still works against the API: WeChat signs its answers with the key it names.
    expect((await publicKeyOnly.queryPayment(orders[0])).status).toBe('succeeded');
  });

  test('the wrong APIv3 key, missing headers and bodies that are not notifications are refused', async () => {
    const { provider, account } = await newProvider();
    const { outTradeNo } = await paidPayment(provider, account);
    const notification = await notificationOf(outTradeNo);
    const credentials = account.credentials as WechatpayCredentials;
    const wrongKey = createWechatpayProvider(
      { ...account, credentials: { ...credentials, apiV3Key: 'Z'.repeat(32) } },
      { sandboxUrl: sandbox.url },
    );
    expect((await rejection(wrongKey, notification)).message).toMatch(/does not decrypt/);
    const { 'wechatpay-signature': _signature, ...unsigned } = notification.headers;
    expect((await rejection(provider, { ...notification, headers: unsigned })).message).toMatch(/missing/);
    expect(
      (
        await rejection(provider, {
          ...notification,
          headers: { ...notification.headers, 'wechatpay-timestamp': 'soon' },
        })
      ).message,
    ).toMatch(/is not a time/);
    expect((await rejection(provider, { headers: {}, rawBody: Buffer.from('{}'), form: null })).message).toMatch(
      /missing/,
    );
  });
});

describe('notificationAck', () => {
  test('204 with no body when accepted; 400 with {"code":"FAIL"} otherwise, so WeChat retries', async () => {
    const { provider } = await newProvider();
    expect(provider.notificationAck('accepted')).toEqual({
      status: 204,
      contentType: 'application/json; charset=utf-8',
      body: '',
    });
    const refused = provider.notificationAck('refused');
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body)).toEqual({ code: 'FAIL', message: expect.any(String) });
  });
});

describe('failures, as wechatpay-axios-plugin meets them', () => {
  test("WeChat's SYSTEM_ERROR and an HTTP 500 are retryable", async () => {
    const { provider, account } = await newProvider();
    const order = await paidPayment(provider, account);
    await fault({ out_trade_no: order.outTradeNo, api: { fail: 'system_error' } });
    await expect(provider.queryPayment(order)).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: 'SYSTEM_ERROR',
    });
    await fault({ out_trade_no: order.outTradeNo, api: { fail: 'http_500' } });
    await expect(provider.closePayment(order)).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: 'http_500',
    });
    await fault({ out_trade_no: order.outTradeNo, api: null });
    expect((await provider.queryPayment(order)).status).toBe('succeeded');
  });

  test('an answer altered after signing, or signed by a key the account does not hold, is never accepted', async () => {
    const { provider, account } = await newProvider();
    const order = await paidPayment(provider, account);
    await fault({ account: account.externalId, tamper_response: true });
    const error = await provider.queryPayment(order).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(error).toMatchObject({
      providerCode: 'response_signature_invalid',
      message: expect.stringMatching(/signature verification/),
    });
    await fault({ account: account.externalId, tamper_response: false });

    const credentials = account.credentials as WechatpayCredentials;
    const impostor = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    const [own] = credentials.verificationKeys;
    const misconfigured = createWechatpayProvider(
      {
        ...account,
        credentials: {
          ...credentials,
          verificationKeys: [{ kind: 'public_key', serial: own.serial, publicKey: impostor }],
        },
      },
      { sandboxUrl: sandbox.url },
    );
    await expect(misconfigured.queryPayment(order)).rejects.toMatchObject({
      providerCode: 'response_signature_invalid',
    });
  });

  test('a request signed with the wrong key is SIGN_ERROR; an unknown mchid is MCH_NOT_EXISTS: both for good', async () => {
    const { account } = await newProvider();
    const credentials = account.credentials as WechatpayCredentials;
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const wrongKey = createWechatpayProvider(
      { ...account, credentials: { ...credentials, merchantPrivateKey: otherKey } },
      { sandboxUrl: sandbox.url },
    );
    await expect(wrongKey.queryPayment(unknownOrder('X123456'))).rejects.toMatchObject({
      constructor: ProviderInvalidRequestError,
      providerCode: 'SIGN_ERROR',
    });
    const stranger = createWechatpayProvider(
      { ...account, externalId: '1999999999', credentials: { ...credentials, mchid: '1999999999' } },
      { sandboxUrl: sandbox.url },
    );
    await expect(stranger.queryPayment(unknownOrder('X123456'))).rejects.toMatchObject({
      constructor: ProviderInvalidRequestError,
      providerCode: 'MCH_NOT_EXISTS',
    });
  });

  test('an unreachable gateway, and one slower than the timeout, are retryable; the slow call may still have taken effect', async () => {
    const { account } = await newProvider();
    const unreachable = createWechatpayProvider(account, { sandboxUrl: `http://127.0.0.1:${await freePort()}` });
    await expect(unreachable.queryPayment(unknownOrder('X123456'))).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: 'network_error',
    });

    const impatient = createWechatpayProvider(account, { sandboxUrl: sandbox.url }, { timeoutMs: 200 });
    const { order } = await nativePayment(impatient);
    await fault({
      out_trade_no: order.outTradeNo,
      api: { slow_ms: 1500, methods: ['POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close'] },
    });
    await expect(impatient.closePayment(order)).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: 'network_error',
    });
    await eventually(async () => expect((await impatient.queryPayment(order)).status).toBe('closed'));
  });
});
