import { eventually } from '../../sandbox/sandbox.testing';
import {
  newRefund,
  notificationsTo,
  orderOf,
  paymentInput,
  rawNotificationOf,
  refundInput,
  sandbox,
  useSandbox,
} from '../contract/adapter.testing';
import { ProviderDeclinedError, ProviderInvalidRequestError } from '../errors';
import type { CreatePaymentInput, ProviderRefundRef } from '../provider';
import { readSigningPfx } from './unionpay.certificates';
import { toUnionpayTime } from './unionpay.mapping';
import { createUnionpayProvider } from './unionpay.provider';
import { formOf, newProvider, openAccount, pay, payment, submit, tradeRecord } from './unionpay.provider.testing';
import { unionpayVerify } from './unionpay.signature';

// The adapter's payments and refunds against the simulated UnionPay: every method of
// PaymentProvider but the notifications' (unionpay.notifications.test.ts), and an order carried on
// by adapters that never saw it. Failures of the signed transport: unionpay.client.test.ts.

useSandbox({ timeScale: 1200 });

describe('createPayment', () => {
  test.each([
    ['unionpay_pc', '07'],
    ['unionpay_wap', '08'],
  ] as const)(
    '%s answers a signed consume form (channelType %s) to POST to frontTransReq',
    async (channel, channelType) => {
      const { provider, answer } = await newProvider();
      const expiresAt = new Date(Date.now() + 10 * 60_000);
      const input = paymentInput(channel, { expiresAt, returnUrl: 'https://shop.example/done' });
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
    const [notice] = await notificationsTo(`${outTradeNo}-refunds`);
    expect(notice.form).toMatchObject({ txnType: '04', orderId: outRefundNo, reqReserved: outTradeNo, txnAmt: '999' });
    expect(await provider.verifyNotification(rawNotificationOf(notice))).toEqual({
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
    const [notice] = await notificationsTo(`${paid.outTradeNo}-refunds`);
    expect(await freshAdapter().verifyNotification(rawNotificationOf(notice))).toMatchObject({
      kind: 'refund',
      outTradeNo: paid.outTradeNo,
      refund: { outRefundNo: refund.outRefundNo },
    });
  });
});
