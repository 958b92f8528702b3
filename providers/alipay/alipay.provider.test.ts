import { generateKeyPairSync } from 'node:crypto';
import {
  eventually,
  freePort,
  newOutTradeNo,
  openAlipayAccount,
  startReceiver,
  startTestSandbox,
  type ReceivedRequest,
  type Receiver,
  type TestSandbox,
} from '../../sandbox/sandbox.testing';
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
import { alipayCredentialsFromSandbox } from './alipay.config';
import { createAlipayProvider, type AlipayProviderOptions } from './alipay.provider';

// The adapter through the real alipay-sdk against the sandbox: every method of PaymentProvider,
// and each kind of failure classified as the workflow needs it.

let sandbox: TestSandbox;
let receiver: Receiver;

beforeAll(async () => {
  sandbox = await startTestSandbox({ timeScale: 1200 });
  receiver = await startReceiver();
});

afterAll(async () => {
  await sandbox?.close();
  await receiver?.close();
});

async function openAccount(options: Record<string, unknown> = {}): Promise<ProviderAccount> {
  const answer = await openAlipayAccount(sandbox, options);
  const credentials = alipayCredentialsFromSandbox(answer);
  return { id: `pa_${answer.app_id}`, provider: 'alipay', livemode: false, externalId: credentials.appId, credentials };
}

async function newProvider(
  options: AlipayProviderOptions = {},
): Promise<{ provider: PaymentProvider; account: ProviderAccount }> {
  const account = await openAccount();
  return { provider: createAlipayProvider(account, { sandboxUrl: sandbox.url }, options), account };
}

function paymentInput(
  channel: CreatePaymentInput['channel'],
  overrides: Partial<CreatePaymentInput> = {},
): CreatePaymentInput {
  return {
    channel,
    outTradeNo: newOutTradeNo('pay'),
    amountMinor: 1999,
    currency: 'CNY',
    description: 'Tea set 茶具',
    notifyUrl: receiver.url,
    returnUrl: null,
    createdAt: new Date(),
    expiresAt: new Date(Date.now() + 15 * 60_000),
    clientIp: null,
    openid: null,
    ...overrides,
  };
}

/** The order a create made, as the payment's row names it afterwards (Alipay needs only the number). */
const orderOf = (input: CreatePaymentInput): ProviderOrderRef => ({
  outTradeNo: input.outTradeNo,
  createdAt: input.createdAt,
});

/** An order number Alipay never saw, named as if created now. */
const unknownOrder = (): ProviderOrderRef => ({ outTradeNo: newOutTradeNo('pay'), createdAt: new Date() });

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
  notifyUrl: receiver.url,
});

const pay = (outTradeNo: string) =>
  sandbox.control('POST', '/_control/pay', { provider: 'alipay', out_trade_no: outTradeNo, outcome: 'success' });
const tradeRecord = async (outTradeNo: string) =>
  (await sandbox.control('GET', `/_control/trades/alipay/${outTradeNo}`)).body;
const fault = (rule: Record<string, unknown>) =>
  sandbox.control('POST', '/_control/faults', { provider: 'alipay', ...rule });

async function qrPayment(
  provider: PaymentProvider,
  amountMinor = 1999,
): Promise<{ order: ProviderOrderRef; qr: string }> {
  const input = paymentInput('alipay_qr', { amountMinor });
  const { nextAction } = await provider.createPayment(input);
  if (nextAction.type !== 'display_qr_code') throw new Error(`expected a QR code, got ${nextAction.type}`);
  return { order: orderOf(input), qr: nextAction.display_qr_code.data };
}

async function paidPayment(provider: PaymentProvider, amountMinor = 1999): Promise<ProviderOrderRef> {
  const { order } = await qrPayment(provider, amountMinor);
  expect((await pay(order.outTradeNo)).status).toBe(200);
  return order;
}

async function notificationsFor(outTradeNo: string, count = 1): Promise<ReceivedRequest[]> {
  return eventually(() => {
    const found = receiver.requests.filter((r) => r.form.out_trade_no === outTradeNo);
    expect(found.length).toBeGreaterThanOrEqual(count);
    return found;
  });
}

const asRaw = (request: ReceivedRequest): RawNotification => ({
  headers: { 'content-type': String(request.headers['content-type']) },
  rawBody: Buffer.from(request.rawBody),
  form: request.form,
});

describe('createPayment', () => {
  test('alipay_qr precreates the order and shows its QR code; the trade closes at expiresAt', async () => {
    const { provider } = await newProvider();
    const expiresAt = new Date(Date.now() + 10 * 60_000);
    const input = paymentInput('alipay_qr', { expiresAt });
    const { nextAction } = await provider.createPayment(input);
    expect(nextAction).toEqual({
      type: 'display_qr_code',
      display_qr_code: { data: expect.stringMatching(new RegExp(`^${sandbox.url}/alipay/qr/`)), image_svg_url: null },
    });
    const record = await tradeRecord(input.outTradeNo);
    expect(record).toMatchObject({
      method: 'alipay.trade.precreate',
      amount: 1999,
      subject: 'Tea set 茶具',
      notify_url: receiver.url,
    });
    expect(record.closes_at).toBe(new Date(Math.floor(expiresAt.getTime() / 1000) * 1000).toISOString());
  });

  test.each([
    ['alipay_pc', 'alipay.trade.page.pay', 'FAST_INSTANT_TRADE_PAY'],
    ['alipay_wap', 'alipay.trade.wap.pay', 'QUICK_WAP_WAY'],
  ] as const)('%s sends the shopper to %s (GET) and the cashier opens', async (channel, method, productCode) => {
    const { provider } = await newProvider();
    const input = paymentInput(channel, { returnUrl: 'https://shop.example/done' });
    const { nextAction } = await provider.createPayment(input);
    if (nextAction.type !== 'redirect_to_url') throw new Error(nextAction.type);
    expect(nextAction.redirect_to_url).toEqual({
      url: expect.stringMatching(new RegExp(`^${sandbox.url}/alipay/gateway\\.do\\?`)),
      method: 'GET',
      form: null,
    });
    // Alipay knows nothing of it until the shopper's browser arrives.
    expect((await provider.queryPayment(orderOf(input))).status).toBe('not_found');

    const cashier = await fetch(nextAction.redirect_to_url.url);
    expect(cashier.status).toBe(200);
    expect(await cashier.text()).toContain('19.99');
    expect(await tradeRecord(input.outTradeNo)).toMatchObject({
      method,
      product_code: productCode,
      return_url: 'https://shop.example/done',
      quit_url: channel === 'alipay_wap' ? 'https://shop.example/done' : null,
    });
    expect(await provider.queryPayment(orderOf(input))).toMatchObject({ status: 'pending', amountMinor: 1999 });
  });

  test('a channel Alipay does not serve is an invalid request', async () => {
    const { provider } = await newProvider();
    await expect(provider.createPayment(paymentInput('wechat_native'))).rejects.toThrow(ProviderInvalidRequestError);
  });

  test('the same order with another amount is an invalid request; a paid one is declined', async () => {
    const { provider } = await newProvider();
    const { outTradeNo } = (await qrPayment(provider)).order;
    await expect(
      provider.createPayment(paymentInput('alipay_qr', { outTradeNo, amountMinor: 2000 })),
    ).rejects.toMatchObject({
      constructor: ProviderInvalidRequestError,
      providerCode: 'ACQ.CONTEXT_INCONSISTENT',
    });
    await pay(outTradeNo);
    await expect(provider.createPayment(paymentInput('alipay_qr', { outTradeNo }))).rejects.toMatchObject({
      constructor: ProviderDeclinedError,
      providerCode: 'ACQ.TRADE_HAS_SUCCESS',
    });
  });
});

describe('queryPayment', () => {
  test('not_found before the QR code is scanned, pending after, succeeded once paid', async () => {
    const { provider } = await newProvider();
    const { order, qr } = await qrPayment(provider);
    const { outTradeNo } = order;
    expect(await provider.queryPayment(order)).toEqual({
      outTradeNo,
      status: 'not_found',
      providerTradeNo: null,
      amountMinor: null,
      paidAt: null,
      failureCode: null,
      failureMessage: null,
    });
    await fetch(qr);
    expect(await provider.queryPayment(order)).toMatchObject({ status: 'pending', amountMinor: 1999, paidAt: null });
    await pay(outTradeNo);
    const paid = await provider.queryPayment(order);
    expect(paid).toMatchObject({ outTradeNo, status: 'succeeded', amountMinor: 1999 });
    expect(paid.providerTradeNo).toMatch(/^\d{28}$/);
    expect(Math.abs(Date.parse(paid.paidAt ?? '') - Date.now())).toBeLessThan(60_000);
  });
});

describe('closePayment', () => {
  test('closes an unpaid trade, an unscanned order and an unknown one; a paid trade is already_paid', async () => {
    const { provider } = await newProvider();
    const scanned = await qrPayment(provider);
    await fetch(scanned.qr);
    expect(await provider.closePayment(scanned.order)).toBe('closed');
    expect((await provider.queryPayment(scanned.order)).status).toBe('closed');
    // Closing twice: Alipay answers ACQ.TRADE_STATUS_ERROR, and the query says it is closed.
    expect(await provider.closePayment(scanned.order)).toBe('closed');

    const unscanned = (await qrPayment(provider)).order;
    expect(await provider.closePayment(unscanned)).toBe('closed');
    expect((await pay(unscanned.outTradeNo)).status).toBe(409);

    expect(await provider.closePayment(unknownOrder())).toBe('closed');

    expect(await provider.closePayment(await paidPayment(provider))).toBe('already_paid');
  });
});

describe('refund and queryRefund', () => {
  test('partial refunds, the same outRefundNo refunding once, never more than was paid', async () => {
    const { provider } = await newProvider();
    const order = await paidPayment(provider, 10000);
    const re1 = newRefund(order, 're1');
    const re2 = newRefund(order, 're2');
    const refund = (ref: ProviderRefundRef, amountMinor: number) =>
      provider.refund({ ...refundInput(order, ref, amountMinor, 10000), reason: 'damaged' });

    expect(await refund(re1, 3000)).toEqual({
      outRefundNo: 're1',
      status: 'succeeded',
      providerRefundNo: null,
      amountMinor: 3000,
      failureReason: null,
    });
    // Retried (say, after a timeout): Alipay moves no money and the adapter confirms by query.
    expect(await refund(re1, 3000)).toMatchObject({ outRefundNo: 're1', status: 'succeeded', amountMinor: 3000 });
    expect(await tradeRecord(order.outTradeNo)).toMatchObject({ amount_refunded: 3000 });

    await expect(refund(re2, 7001)).rejects.toMatchObject({
      constructor: ProviderDeclinedError,
      providerCode: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL',
    });
    expect(await refund(re2, 7000)).toMatchObject({ status: 'succeeded', amountMinor: 7000 });

    expect(await provider.queryRefund(re1)).toMatchObject({ status: 'succeeded', amountMinor: 3000 });
    expect(await provider.queryRefund(newRefund(order, 're9'))).toMatchObject({
      status: 'not_found',
      amountMinor: null,
    });
    expect(await provider.queryRefund(newRefund(unknownOrder(), 're1'))).toMatchObject({ status: 'not_found' });
    // Fully refunded, Alipay closes the trade; the payment itself still succeeded.
    expect(await provider.queryPayment(order)).toMatchObject({ status: 'succeeded', amountMinor: 10000 });
  });

  test('refunding an unpaid trade is declined; an unknown one is an invalid request', async () => {
    const { provider } = await newProvider();
    const { order, qr } = await qrPayment(provider);
    await fetch(qr);
    await expect(provider.refund(refundInput(order, newRefund(order, 're1'), 100, 1999))).rejects.toMatchObject({
      constructor: ProviderDeclinedError,
      providerCode: 'ACQ.TRADE_STATUS_ERROR',
    });
    const unknown = unknownOrder();
    await expect(provider.refund(refundInput(unknown, newRefund(unknown, 're1'), 100, 1999))).rejects.toMatchObject({
      constructor: ProviderInvalidRequestError,
      providerCode: 'ACQ.TRADE_NOT_EXIST',
    });
  });
});

describe('verifyNotification', () => {
  test("accepts Alipay's signed notification and reads the payment from it", async () => {
    const { provider } = await newProvider();
    const { outTradeNo } = await paidPayment(provider);
    const [notification] = await notificationsFor(outTradeNo);
    const verified = await provider.verifyNotification(asRaw(notification));
    expect(verified).toEqual({
      kind: 'payment',
      trade: {
        outTradeNo,
        status: 'succeeded',
        providerTradeNo: notification.form.trade_no,
        amountMinor: 1999,
        paidAt: expect.stringMatching(/Z$/),
        failureCode: null,
        failureMessage: null,
      },
    });
  });

  test('refuses a forged signature and a tampered amount', async () => {
    const { provider } = await newProvider();
    for (const mode of ['tamper_signature', 'tamper_amount']) {
      const { outTradeNo } = (await qrPayment(provider)).order;
      await fault({ out_trade_no: outTradeNo, notifications: mode });
      await pay(outTradeNo);
      const [notification] = await notificationsFor(outTradeNo);
      await expect(provider.verifyNotification(asRaw(notification))).rejects.toThrow(NotificationRejectedError);
    }
  });

  test('refuses a notification correctly signed by Alipay for another app (same Alipay key)', async () => {
    const mine = await openAccount();
    const theirs = await openAccount({ share_provider_keys_with: mine.externalId });
    const myProvider = createAlipayProvider(mine, { sandboxUrl: sandbox.url });
    const theirProvider = createAlipayProvider(theirs, { sandboxUrl: sandbox.url });

    const { outTradeNo } = await paidPayment(theirProvider);
    const [notification] = await notificationsFor(outTradeNo);
    expect(notification.form.app_id).toBe(theirs.externalId);
    expect((await theirProvider.verifyNotification(asRaw(notification))).kind).toBe('payment');
    await expect(myProvider.verifyNotification(asRaw(notification))).rejects.toThrow(
      new NotificationRejectedError(`notification is for app ${theirs.externalId}, not ${mine.externalId}`),
    );
  });

  test('refuses what is not a form', async () => {
    const { provider } = await newProvider();
    await expect(provider.verifyNotification({ headers: {}, rawBody: Buffer.from('{}'), form: null })).rejects.toThrow(
      NotificationRejectedError,
    );
    await expect(provider.verifyNotification({ headers: {}, rawBody: Buffer.alloc(0), form: {} })).rejects.toThrow(
      NotificationRejectedError,
    );
  });

  test('reads refund notifications as refunds, and a closed trade as closed', async () => {
    const { provider } = await newProvider();
    const order = await paidPayment(provider);
    const { outTradeNo } = order;
    await provider.refund(refundInput(order, newRefund(order, 're1'), 999, 1999));
    const notifications = await notificationsFor(outTradeNo, 2);
    const refundNotice = notifications.find((n) => n.form.out_biz_no === 're1');
    expect(await provider.verifyNotification(asRaw(refundNotice as ReceivedRequest))).toEqual({
      kind: 'refund',
      outTradeNo,
      refund: {
        outRefundNo: 're1',
        status: 'succeeded',
        providerRefundNo: null,
        amountMinor: null,
        failureReason: null,
      },
    });

    const { order: unpaid, qr } = await qrPayment(provider);
    await fetch(qr);
    await provider.closePayment(unpaid);
    const [closed] = await notificationsFor(unpaid.outTradeNo);
    expect(await provider.verifyNotification(asRaw(closed))).toMatchObject({
      kind: 'payment',
      trade: { status: 'closed', amountMinor: 1999, paidAt: null },
    });
  });
});

describe('notificationAck', () => {
  test('answers success when accepted and fail otherwise', async () => {
    const { provider } = await newProvider();
    expect(provider.notificationAck('accepted')).toEqual({
      status: 200,
      contentType: 'text/plain; charset=utf-8',
      body: 'success',
    });
    expect(provider.notificationAck('refused')).toMatchObject({ status: 400, body: 'fail' });
  });
});

describe('failures, as alipay-sdk meets them', () => {
  test("Alipay's system busy and HTTP 500 are retryable", async () => {
    const { provider } = await newProvider();
    const order = await paidPayment(provider);
    await fault({ out_trade_no: order.outTradeNo, api: { fail: 'system_error' } });
    await expect(provider.queryPayment(order)).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: 'isp.unknow-error',
    });
    await fault({ out_trade_no: order.outTradeNo, api: { fail: 'http_500' } });
    await expect(provider.closePayment(order)).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: 'http_500',
    });
    await fault({ out_trade_no: order.outTradeNo, api: null });
    expect((await provider.queryPayment(order)).status).toBe('succeeded');
  });

  test('an answer altered after signing is never accepted', async () => {
    const { provider, account } = await newProvider();
    const order = await paidPayment(provider);
    await fault({ account: account.externalId, tamper_response: true });
    const error = await provider.queryPayment(order).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(error).toMatchObject({
      providerCode: 'response_signature_invalid',
      message: expect.stringMatching(/signature verification/),
    });
    await fault({ account: account.externalId, tamper_response: false });
  });

  test('a gateway slower than the timeout is retryable; the call may still have taken effect', async () => {
    const { provider } = await newProvider({ timeoutMs: 300 });
    const { order, qr } = await qrPayment(provider);
    await fetch(qr);
    // Far slower than the timeout: urllib's timers are coarse (up to a second late).
    await fault({ out_trade_no: order.outTradeNo, api: { slow_ms: 4000, methods: ['alipay.trade.close'] } });
    await expect(provider.closePayment(order)).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: 'network_error',
    });
    await eventually(async () => expect((await provider.queryPayment(order)).status).toBe('closed'));
  });

  test('a request signed with the wrong key is an invalid request', async () => {
    const account = await openAccount();
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs1', format: 'pem' })
      .toString();
    const provider = createAlipayProvider(
      { ...account, credentials: { ...(account.credentials as Record<string, string>), privateKey: otherKey } },
      { sandboxUrl: sandbox.url },
    );
    await expect(provider.queryPayment({ outTradeNo: 'X', createdAt: new Date() })).rejects.toMatchObject({
      constructor: ProviderInvalidRequestError,
      providerCode: 'isv.invalid-signature',
    });
  });

  test('an app the gateway does not know gets an unsigned answer, which is not trusted', async () => {
    const account = await openAccount();
    const stranger: ProviderAccount = {
      ...account,
      externalId: '2021999999999999',
      credentials: { ...(account.credentials as Record<string, string>), appId: '2021999999999999' },
    };
    await expect(
      createAlipayProvider(stranger, { sandboxUrl: sandbox.url }).queryPayment({
        outTradeNo: 'X',
        createdAt: new Date(),
      }),
    ).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: 'response_signature_invalid',
    });
  });

  test('an unreachable gateway is retryable', async () => {
    const account = await openAccount();
    const provider = createAlipayProvider(account, { sandboxUrl: `http://127.0.0.1:${await freePort()}` });
    await expect(provider.queryPayment({ outTradeNo: 'X', createdAt: new Date() })).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: 'network_error',
    });
  });
});
