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
import { readSigningPfx } from './unionpay.certificates';
import { unionpayCredentialsFromSandbox, type UnionpayCredentials } from './unionpay.config';
import { toUnionpayTime } from './unionpay.mapping';
import { createUnionpayProvider, type UnionpayProviderOptions } from './unionpay.provider';
import { unionpayVerify } from './unionpay.signature';
import { makeTestPki, signedByUnionpay } from './unionpay.testing';

// The adapter against the simulated UnionPay: every method of PaymentProvider, and each kind of
// failure classified as the workflow needs it.

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

interface Opened {
  account: ProviderAccount;
  answer: Record<string, string>;
}

async function openAccount(options: Record<string, unknown> = {}): Promise<Opened> {
  const opened = await sandbox.control<Record<string, string>>('POST', '/_control/accounts', {
    provider: 'unionpay',
    ...options,
  });
  expect(opened.status).toBe(201);
  const credentials = unionpayCredentialsFromSandbox(opened.body);
  return {
    account: {
      id: `pa_${credentials.merId}`,
      provider: 'unionpay',
      livemode: false,
      externalId: credentials.merId,
      credentials,
    },
    answer: opened.body,
  };
}

async function newProvider(
  options: UnionpayProviderOptions = {},
): Promise<{ provider: PaymentProvider; account: ProviderAccount; answer: Record<string, string> }> {
  const { account, answer } = await openAccount();
  return { provider: createUnionpayProvider(account, { sandboxUrl: sandbox.url }, options), account, answer };
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
    returnUrl: 'https://shop.example/done',
    createdAt: new Date(),
    expiresAt: new Date(Date.now() + 15 * 60_000),
    clientIp: null,
    openid: null,
    ...overrides,
  };
}

/** The order a create made, as the payment's row names it afterwards: its number and its creation time. */
const orderOf = (input: CreatePaymentInput): ProviderOrderRef => ({
  outTradeNo: input.outTradeNo,
  createdAt: input.createdAt,
});

/** A refund of `order`, created now; its retries carry the same time. */
const newRefund = (order: ProviderOrderRef, suffix: string): ProviderRefundRef => ({
  outTradeNo: order.outTradeNo,
  outRefundNo: `${order.outTradeNo}${suffix}`,
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
  notifyUrl: `${receiver.url}/${refund.outRefundNo}`,
});

/** The form the shopper's browser would submit, and the submission. */
async function formOf(
  provider: PaymentProvider,
  input: CreatePaymentInput,
): Promise<{ url: string; form: Record<string, string> }> {
  const { nextAction } = await provider.createPayment(input);
  if (nextAction.type !== 'redirect_to_url' || !nextAction.redirect_to_url.form)
    throw new Error(`expected a form, got ${nextAction.type}`);
  return { url: nextAction.redirect_to_url.url, form: nextAction.redirect_to_url.form };
}

async function submit(url: string, form: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', body: new URLSearchParams(form), redirect: 'follow' });
}

/** Created, carried to UnionPay by the browser, and (unless told) paid. */
async function payment(
  provider: PaymentProvider,
  options: { amountMinor?: number; pay?: 'success' | 'fail' | null } = {},
): Promise<ProviderOrderRef> {
  const input = paymentInput('unionpay_pc', { amountMinor: options.amountMinor ?? 1999 });
  const { url, form } = await formOf(provider, input);
  expect((await submit(url, form)).status).toBe(200);
  if (options.pay !== null) expect((await pay(input.outTradeNo, options.pay ?? 'success')).status).toBe(200);
  return orderOf(input);
}

const pay = (outTradeNo: string, outcome: 'success' | 'fail' = 'success') =>
  sandbox.control('POST', '/_control/pay', { provider: 'unionpay', out_trade_no: outTradeNo, outcome });
const tradeRecord = async (outTradeNo: string) =>
  (await sandbox.control('GET', `/_control/trades/unionpay/${outTradeNo}`)).body;
const fault = (rule: Record<string, unknown>) =>
  sandbox.control('POST', '/_control/faults', { provider: 'unionpay', ...rule });

async function notificationsFor(path: string, count = 1): Promise<ReceivedRequest[]> {
  return eventually(() => {
    const found = receiver.requests.filter((r) => r.path === `/notify/${path}`);
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
  test.each([
    ['unionpay_pc', '07'],
    ['unionpay_wap', '08'],
  ] as const)(
    '%s answers a signed consume form (channelType %s) to POST to frontTransReq',
    async (channel, channelType) => {
      const { provider, answer } = await newProvider();
      const expiresAt = new Date(Date.now() + 10 * 60_000);
      const input = paymentInput(channel, { expiresAt });
      const { nextAction } = await provider.createPayment(input);
      expect(nextAction).toEqual({
        type: 'redirect_to_url',
        redirect_to_url: {
          url: `${sandbox.url}/unionpay/gateway/api/frontTransReq.do`,
          method: 'POST',
          form: expect.any(Object),
        },
      });
      const form = (nextAction as { redirect_to_url: { form: Record<string, string> } }).redirect_to_url.form;
      expect(form).toEqual({
        version: '5.1.0',
        encoding: 'UTF-8',
        signMethod: '01',
        certId: answer.sign_cert_id,
        accessType: '0',
        merId: answer.mer_id,
        orderId: input.outTradeNo,
        // The payment's creation time, China time.
        txnTime: toUnionpayTime(input.createdAt),
        txnType: '01',
        txnSubType: '01',
        bizType: '000201',
        channelType,
        txnAmt: '1999',
        currencyCode: '156',
        backUrl: input.notifyUrl,
        frontUrl: 'https://shop.example/done',
        payTimeout: toUnionpayTime(expiresAt),
        signature: expect.any(String),
      });
      const signing = readSigningPfx(answer.sign_cert_pfx, answer.sign_cert_password);
      expect(unionpayVerify(form, signing.certificate.publicKey)).toBe(true);
      // UnionPay knows nothing of the order until the shopper's browser brings it.
      expect((await sandbox.control('GET', `/_control/trades/unionpay/${input.outTradeNo}`)).status).toBe(404);
    },
  );

  test('without a return URL the form has no frontUrl; the card page then keeps the shopper', async () => {
    const { provider } = await newProvider();
    const { form } = await formOf(provider, paymentInput('unionpay_wap', { returnUrl: null }));
    expect(form.frontUrl).toBeUndefined();
  });

  test('created again (a retried activity, later, on another worker), it is the same order: same txnTime, same form', async () => {
    const { account } = await openAccount();
    const input = paymentInput('unionpay_pc', {
      createdAt: new Date('2030-01-01T00:00:00.250Z'),
      expiresAt: new Date('2030-01-01T00:15:00Z'),
    });
    const first = await formOf(
      createUnionpayProvider(account, { sandboxUrl: sandbox.url }, { now: () => new Date('2030-01-01T00:00:01Z') }),
      input,
    );
    const second = await formOf(
      createUnionpayProvider(account, { sandboxUrl: sandbox.url }, { now: () => new Date('2030-01-01T00:00:09Z') }),
      input,
    );
    expect(second.form).toEqual(first.form);
    // txnTime is createdAt in China time (UTC+8), to the second: the clock plays no part.
    expect(first.form.txnTime).toBe('20300101080000');
  });

  test.each<[string, Partial<CreatePaymentInput>]>([
    ['a channel UnionPay does not serve', { channel: 'alipay_qr' }],
    ['an amount of 0', { amountMinor: 0 }],
    ['a fraction of a fen', { amountMinor: 1.5 }],
    ['an order number with an underscore', { outTradeNo: 'pay_3kTMd9xq' }],
    ['an order number shorter than 8', { outTradeNo: 'pay1' }],
    ['an expiry in the past', { expiresAt: new Date(Date.now() - 60_000) }],
    [
      'an expiry not after the creation time',
      { createdAt: new Date('2030-01-01T00:15:00Z'), expiresAt: new Date('2030-01-01T00:15:00Z') },
    ],
    ['a creation time that is not a time', { createdAt: new Date(Number.NaN) }],
  ])('%s is an invalid request', async (_name, change) => {
    const { provider } = await newProvider();
    await expect(provider.createPayment(paymentInput('unionpay_pc', change))).rejects.toThrow(
      ProviderInvalidRequestError,
    );
  });
});

describe('queryPayment', () => {
  test('not_found until the shopper tries to pay, succeeded once paid, with UnionPay’s queryId', async () => {
    const { provider } = await newProvider();
    const input = paymentInput('unionpay_pc');
    const order = orderOf(input);
    const { url, form } = await formOf(provider, input);
    const notFound = {
      outTradeNo: input.outTradeNo,
      status: 'not_found',
      providerTradeNo: null,
      amountMinor: null,
      paidAt: null,
      failureCode: null,
      failureMessage: null,
    };
    expect(await provider.queryPayment(order)).toEqual(notFound);
    // The card page is open, but nothing was attempted: UnionPay has no transaction yet.
    expect((await submit(url, form)).status).toBe(200);
    expect(await provider.queryPayment(order)).toEqual(notFound);
    await pay(input.outTradeNo);
    const paid = await provider.queryPayment(order);
    expect(paid).toMatchObject({
      outTradeNo: input.outTradeNo,
      status: 'succeeded',
      amountMinor: 1999,
      failureCode: null,
    });
    expect(paid.providerTradeNo).toMatch(/^\d{21}$/);
    expect(paid.providerTradeNo).toBe((await tradeRecord(input.outTradeNo)).query_id);
    expect(Math.abs(Date.parse(paid.paidAt ?? '') - Date.now())).toBeLessThan(60_000);
  });

  test('a declined card is failed, with UnionPay’s code', async () => {
    const { provider } = await newProvider();
    const order = await payment(provider, { pay: 'fail' });
    expect(await provider.queryPayment(order)).toMatchObject({
      status: 'failed',
      failureCode: '60',
      failureMessage: expect.stringContaining('发卡行'),
      paidAt: null,
    });
  });

  test('the creation time must be the order’s own: UnionPay finds merId + orderId + txnTime, nothing less', async () => {
    const { provider } = await newProvider();
    const order = await payment(provider);
    expect((await provider.queryPayment(order)).status).toBe('succeeded');
    // Within the same second it is the same txnTime; a second off, another (unknown) transaction.
    const sameSecond = new Date(Math.floor(order.createdAt.getTime() / 1000) * 1000 + 999);
    expect((await provider.queryPayment({ ...order, createdAt: sameSecond })).status).toBe('succeeded');
    expect(
      (await provider.queryPayment({ ...order, createdAt: new Date(order.createdAt.getTime() - 1000) })).status,
    ).toBe('not_found');
  });
});

describe('closePayment', () => {
  test('UnionPay cannot close: unpaid is closed, paid is already_paid', async () => {
    const { provider } = await newProvider();
    expect(await provider.closePayment(await payment(provider, { pay: null }))).toBe('closed');
    expect(await provider.closePayment(await payment(provider))).toBe('already_paid');
    expect(await provider.closePayment(await payment(provider, { pay: 'fail' }))).toBe('closed');
  });

  test('…and, as on UnionPay, a "closed" order stays payable until its payTimeout', async () => {
    const { provider } = await newProvider();
    const order = await payment(provider, { pay: null });
    expect(await provider.closePayment(order)).toBe('closed');
    expect((await pay(order.outTradeNo)).status).toBe(200);
    expect(await provider.closePayment(order)).toBe('already_paid');
  });

  test('after payTimeout the order can no longer be paid', async () => {
    const { provider } = await newProvider();
    const input = paymentInput('unionpay_pc', { expiresAt: new Date(Date.now() + 2_000) });
    const { url, form } = await formOf(provider, input);
    expect((await submit(url, form)).status).toBe(200);
    await eventually(async () => expect((await tradeRecord(input.outTradeNo)).state).toBe('EXPIRED'), {
      timeoutMs: 6_000,
    });
    expect((await pay(input.outTradeNo)).status).toBe(409);
    expect(await provider.closePayment(orderOf(input))).toBe('closed');
  });
});

describe('refund and queryRefund', () => {
  test('a refund is accepted (pending) and settles; the same outRefundNo refunds once; never more than was paid', async () => {
    const { provider } = await newProvider();
    const order = await payment(provider, { amountMinor: 10000 });
    const r1 = newRefund(order, 'R1');
    const r2 = newRefund(order, 'R2');
    const refund = (ref: ProviderRefundRef, amountMinor: number) =>
      provider.refund({ ...refundInput(order, ref, amountMinor, 10000), reason: 'damaged' });

    const first = await refund(r1, 3000);
    expect(first).toMatchObject({
      outRefundNo: r1.outRefundNo,
      status: 'pending',
      amountMinor: 3000,
      failureReason: null,
    });
    expect(first.providerRefundNo).toMatch(/^\d{21}$/);
    // The refund is a transaction of its own, sent with the refund's creation time.
    expect(await tradeRecord(order.outTradeNo)).toMatchObject({
      refunds: [{ order_id: r1.outRefundNo, txn_time: toUnionpayTime(r1.requestedAt) }],
    });
    // Retried (say, after a timeout): UnionPay answers 12 重复交易, and the query tells how it went.
    expect(await refund(r1, 3000)).toMatchObject({
      outRefundNo: r1.outRefundNo,
      providerRefundNo: first.providerRefundNo,
      amountMinor: 3000,
    });
    expect(await tradeRecord(order.outTradeNo)).toMatchObject({ amount_refunded: 3000 });

    await expect(refund(r2, 7001)).rejects.toMatchObject({ constructor: ProviderDeclinedError, providerCode: '33' });
    expect(await refund(r2, 7000)).toMatchObject({ status: 'pending' });

    const settled = await eventually(async () => {
      const found = await provider.queryRefund(r1);
      expect(found.status).toBe('succeeded');
      return found;
    });
    expect(settled).toEqual({
      outRefundNo: r1.outRefundNo,
      status: 'succeeded',
      providerRefundNo: first.providerRefundNo,
      amountMinor: 3000,
      failureReason: null,
    });
    expect(await provider.queryRefund(newRefund(order, 'R9'))).toMatchObject({
      status: 'not_found',
      amountMinor: null,
    });
    // A refund leaves the consume as it was: paid.
    expect(await provider.queryPayment(order)).toMatchObject({ status: 'succeeded', amountMinor: 10000 });
  });

  test('a refund is found by its own creation time: with another, UnionPay knows no such refund', async () => {
    const { provider } = await newProvider();
    const order = await payment(provider);
    const refund = newRefund(order, 'R1');
    await provider.refund(refundInput(order, refund, 500, 1999));
    await eventually(async () => expect((await provider.queryRefund(refund)).status).toBe('succeeded'));
    expect(
      (await provider.queryRefund({ ...refund, requestedAt: new Date(refund.requestedAt.getTime() + 1000) })).status,
    ).toBe('not_found');
  });

  test('refunding an unpaid consume is declined; an unknown one is an invalid request', async () => {
    const { provider } = await newProvider();
    const declined = await payment(provider, { pay: 'fail' });
    await expect(provider.refund(refundInput(declined, newRefund(declined, 'R1'), 100, 1999))).rejects.toMatchObject({
      constructor: ProviderDeclinedError,
      providerCode: '35',
    });
    const unpaid = await payment(provider, { pay: null });
    await expect(provider.refund(refundInput(unpaid, newRefund(unpaid, 'R1'), 100, 1999))).rejects.toMatchObject({
      constructor: ProviderInvalidRequestError,
      providerCode: '34',
    });
  });

  test('a refund notification names the refund, and its consume through reqReserved', async () => {
    const { provider } = await newProvider();
    const order = await payment(provider);
    const { outTradeNo } = order;
    const refund = newRefund(order, 'RN');
    const { outRefundNo } = refund;
    const accepted = await provider.refund(refundInput(order, refund, 999, 1999));
    const [notice] = await notificationsFor(outRefundNo);
    expect(notice.form).toMatchObject({ txnType: '04', orderId: outRefundNo, reqReserved: outTradeNo, txnAmt: '999' });
    expect(await provider.verifyNotification(asRaw(notice))).toEqual({
      kind: 'refund',
      outTradeNo,
      refund: {
        outRefundNo,
        status: 'succeeded',
        providerRefundNo: accepted.providerRefundNo,
        amountMinor: 999,
        failureReason: null,
      },
    });
  });
});

describe('any worker can carry on an order: the adapter keeps nothing between calls', () => {
  test('an order created by one adapter is queried, closed and refunded by a second, fresh one for the same account', async () => {
    const { account } = await openAccount();
    // What a worker does for each activity: make the adapter from the account, nothing more.
    const freshAdapter = () => createUnionpayProvider(account, { sandboxUrl: sandbox.url });
    const creator = freshAdapter();
    const paid = await payment(creator, { amountMinor: 5000 });
    const unpaid = await payment(creator, { pay: null });
    expect(await tradeRecord(paid.outTradeNo)).toMatchObject({ txn_time: toUnionpayTime(paid.createdAt) });

    // Another worker (or this one, restarted) never saw those creates.
    const second = freshAdapter();
    const found = await second.queryPayment(paid);
    expect(found).toMatchObject({ outTradeNo: paid.outTradeNo, status: 'succeeded', amountMinor: 5000 });
    expect(found.providerTradeNo).toBe((await tradeRecord(paid.outTradeNo)).query_id);
    expect(await second.closePayment(paid)).toBe('already_paid');
    expect(await second.closePayment(unpaid)).toBe('closed');
    // And it was the very order UnionPay holds that it asked about: paid after all (UnionPay
    // cannot close), the next fresh adapter sees it paid.
    expect((await pay(unpaid.outTradeNo)).status).toBe(200);
    expect(await freshAdapter().closePayment(unpaid)).toBe('already_paid');

    const refund = newRefund(paid, 'R1');
    const accepted = await second.refund(refundInput(paid, refund, 2000, 5000));
    expect(accepted).toMatchObject({ outRefundNo: refund.outRefundNo, status: 'pending', amountMinor: 2000 });
    // Retried on yet another worker: the same refund (same txnTime), not a second one.
    expect(await freshAdapter().refund(refundInput(paid, refund, 2000, 5000))).toMatchObject({
      providerRefundNo: accepted.providerRefundNo,
    });
    expect(await tradeRecord(paid.outTradeNo)).toMatchObject({ amount_refunded: 2000 });
    const settled = await eventually(async () => {
      const queried = await freshAdapter().queryRefund(refund);
      expect(queried.status).toBe('succeeded');
      return queried;
    });
    expect(settled).toEqual({
      outRefundNo: refund.outRefundNo,
      status: 'succeeded',
      providerRefundNo: accepted.providerRefundNo,
      amountMinor: 2000,
      failureReason: null,
    });

    // Its notification, too, names everything itself: a fresh adapter reads it.
    const [notice] = await notificationsFor(refund.outRefundNo);
    expect(await freshAdapter().verifyNotification(asRaw(notice))).toMatchObject({
      kind: 'refund',
      outTradeNo: paid.outTradeNo,
      refund: { outRefundNo: refund.outRefundNo },
    });
  });
});

describe('verifyNotification', () => {
  test("accepts UnionPay's signed notification and reads the payment from it", async () => {
    const { provider } = await newProvider();
    const { outTradeNo } = await payment(provider);
    const [notification] = await notificationsFor(outTradeNo);
    expect(notification.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(notification.form.signPubKeyCert).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(await provider.verifyNotification(asRaw(notification))).toEqual({
      kind: 'payment',
      trade: {
        outTradeNo,
        status: 'succeeded',
        providerTradeNo: notification.form.queryId,
        amountMinor: 1999,
        paidAt: expect.stringMatching(/Z$/),
        failureCode: null,
        failureMessage: null,
      },
    });
  });

  test.each(['tamper_signature', 'tamper_amount'])('refuses %s', async (mode) => {
    const { provider } = await newProvider();
    const { outTradeNo } = await payment(provider, { pay: null });
    await fault({ out_trade_no: outTradeNo, notifications: mode });
    await pay(outTradeNo);
    const [notification] = await notificationsFor(outTradeNo);
    await expect(provider.verifyNotification(asRaw(notification))).rejects.toThrow(
      new NotificationRejectedError('not signed by UnionPay: the signature does not match the message'),
    );
  });

  test('refuses a notification UnionPay signed for another merchant', async () => {
    const mine = await newProvider();
    const theirs = await openAccount({ share_provider_keys_with: mine.account.externalId });
    const { outTradeNo } = await payment(createUnionpayProvider(theirs.account, { sandboxUrl: sandbox.url }));
    const [notification] = await notificationsFor(outTradeNo);
    await expect(mine.provider.verifyNotification(asRaw(notification))).rejects.toThrow(
      new NotificationRejectedError(
        `notification is for merId ${theirs.account.externalId}, not ${mine.account.externalId}`,
      ),
    );
  });

  test('refuses a well-signed notification whose certificate is not from UnionPay’s chain', async () => {
    const { provider, account } = await newProvider();
    const impostor = makeTestPki();
    const form = signedByUnionpay(
      {
        version: '5.1.0',
        encoding: 'UTF-8',
        signMethod: '01',
        txnType: '01',
        respCode: '00',
        merId: account.externalId,
        orderId: 'pay12345678',
        txnTime: '20300101080000',
        txnAmt: '1',
      },
      impostor.signer,
    );
    await expect(provider.verifyNotification({ headers: {}, rawBody: Buffer.alloc(0), form })).rejects.toThrow(
      /not issued by the configured middle certificate/,
    );
  });

  test('refuses what is not a form, or a form without a signature', async () => {
    const { provider } = await newProvider();
    await expect(provider.verifyNotification({ headers: {}, rawBody: Buffer.from('{}'), form: null })).rejects.toThrow(
      NotificationRejectedError,
    );
    await expect(provider.verifyNotification({ headers: {}, rawBody: Buffer.alloc(0), form: {} })).rejects.toThrow(
      NotificationRejectedError,
    );
  });
});

describe('notificationAck', () => {
  test('answers HTTP 200 when accepted, which is all UnionPay reads, and 400 otherwise', async () => {
    const { provider } = await newProvider();
    expect(provider.notificationAck('accepted')).toEqual({
      status: 200,
      contentType: 'text/plain; charset=utf-8',
      body: 'ok',
    });
    expect(provider.notificationAck('refused')).toMatchObject({ status: 400 });
  });
});

describe('failures, as the adapter meets them', () => {
  test("UnionPay's system busy (06) and HTTP 500 are retryable", async () => {
    const { provider } = await newProvider();
    const order = await payment(provider);
    await fault({ out_trade_no: order.outTradeNo, api: { fail: 'system_error' } });
    await expect(provider.queryPayment(order)).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: '06',
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
    const order = await payment(provider);
    await fault({ account: account.externalId, tamper_response: true });
    const error = await provider.queryPayment(order).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(error).toMatchObject({
      providerCode: 'response_signature_invalid',
      message: expect.stringMatching(/signature verification.*does not match/),
    });
    await fault({ account: account.externalId, tamper_response: false });
  });

  test('answers are trusted only under the configured root: another root refuses them all', async () => {
    const { account } = await openAccount();
    const other = makeTestPki();
    const misconfigured = createUnionpayProvider(
      {
        ...account,
        credentials: {
          ...(account.credentials as UnionpayCredentials),
          rootCert: other.root.certPem,
          middleCert: other.middle.certPem,
        },
      },
      { sandboxUrl: sandbox.url },
    );
    const order = await payment(createUnionpayProvider(account, { sandboxUrl: sandbox.url }));
    await expect(misconfigured.queryPayment(order)).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: 'response_signature_invalid',
    });
  });

  test('a gateway slower than the timeout is retryable; the call may still have taken effect', async () => {
    const { provider } = await newProvider({ timeoutMs: 300 });
    const order = await payment(provider);
    await fault({ out_trade_no: order.outTradeNo, api: { slow_ms: 2000, methods: ['backTransReq'] } });
    const refund = newRefund(order, 'S1');
    await expect(provider.refund(refundInput(order, refund, 100, 1999))).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: 'network_error',
    });
    // The refund's creation time finds it, though no answer ever came back.
    await eventually(async () => expect((await provider.queryRefund(refund)).status).toMatch(/pending|succeeded/));
  });

  test('a request signed with another key is refused by UnionPay with 11, for good', async () => {
    const { account, answer } = await openAccount();
    const other = await openAccount();
    // The other merchant's PFX under this merId: its certId is not this merchant's certificate.
    const wrong = createUnionpayProvider(
      {
        ...account,
        credentials: {
          ...(account.credentials as UnionpayCredentials),
          signCertPfx: other.answer.sign_cert_pfx,
          signCertPassword: other.answer.sign_cert_password,
        },
      },
      { sandboxUrl: sandbox.url },
    );
    const order = await payment(createUnionpayProvider(account, { sandboxUrl: sandbox.url }));
    await expect(wrong.queryPayment(order)).rejects.toMatchObject({
      constructor: ProviderInvalidRequestError,
      providerCode: '11',
    });
    expect(answer.sign_cert_id).not.toBe(other.answer.sign_cert_id);
  });

  test('a merId UnionPay does not know is refused (31), in a signed answer', async () => {
    const { account } = await openAccount();
    const credentials = account.credentials as UnionpayCredentials;
    const stranger = createUnionpayProvider(
      { ...account, externalId: '777000000000000', credentials: { ...credentials, merId: '777000000000000' } },
      { sandboxUrl: sandbox.url },
    );
    await expect(stranger.queryPayment({ outTradeNo: 'pay12345678', createdAt: new Date() })).rejects.toMatchObject({
      constructor: ProviderInvalidRequestError,
      providerCode: '31',
    });
  });

  test('an unreachable gateway is retryable', async () => {
    const { account } = await openAccount();
    const provider = createUnionpayProvider(account, { sandboxUrl: `http://127.0.0.1:${await freePort()}` });
    await expect(provider.queryPayment({ outTradeNo: 'pay12345678', createdAt: new Date() })).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: 'network_error',
    });
  });

  test('broken credentials fail each call for good, not the making of the adapter', async () => {
    const { account } = await openAccount();
    const broken = createUnionpayProvider(
      { ...account, credentials: { ...(account.credentials as UnionpayCredentials), signCertPassword: 'wrong' } },
      { sandboxUrl: sandbox.url },
    );
    await expect(broken.createPayment(paymentInput('unionpay_pc'))).rejects.toThrow(ProviderInvalidRequestError);
  });
});
