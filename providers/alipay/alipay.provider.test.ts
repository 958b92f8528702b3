import {
  newRefund,
  orderOf,
  paymentInput,
  refundInput,
  sandbox,
  unknownOrder,
  useSandbox,
} from '../contract/adapter.testing';
import { ProviderDeclinedError, ProviderInvalidRequestError } from '../errors';
import type { ProviderRefundRef } from '../provider';
import { newProvider, paidPayment, pay, qrPayment, tradeRecord } from './alipay.provider.testing';

// The adapter's payments and refunds through the real alipay-sdk against the sandbox: every method
// of PaymentProvider but the notifications' (alipay.notifications.test.ts). Failures of the signed
// transport: alipay.client.test.ts.

useSandbox({ timeScale: 1200 });

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
      notify_url: input.notifyUrl,
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
      outRefundNo: re1.outRefundNo,
      status: 'succeeded',
      providerRefundNo: null,
      amountMinor: 3000,
      failureReason: null,
    });
    // Retried (say, after a timeout): Alipay moves no money and the adapter confirms by query.
    expect(await refund(re1, 3000)).toMatchObject({
      outRefundNo: re1.outRefundNo,
      status: 'succeeded',
      amountMinor: 3000,
    });
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
