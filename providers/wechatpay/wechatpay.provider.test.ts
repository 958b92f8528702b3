import { eventually } from '../../sandbox/sandbox.testing';
import {
  newRefund,
  notificationsTo,
  paymentInput,
  rawNotificationOf,
  refundInput,
  sandbox,
  unknownOrder,
  useSandbox,
} from '../contract/adapter.testing';
import { ProviderDeclinedError, ProviderInvalidRequestError, ProviderUnavailableError } from '../errors';
import type { ProviderRefundRef } from '../provider';
import { nativePayment, newProvider, paidPayment, pay, tradeRecord } from './wechatpay.provider.testing';

// The adapter's payments and refunds through wechatpay-axios-plugin against the sandbox: every
// method of PaymentProvider but the notifications' (wechatpay.notifications.test.ts). Failures of
// the signed transport: wechatpay.client.test.ts.

useSandbox({ timeScale: 600 });

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
    const r1 = newRefund(order, 'R1');
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
    await expect(refund(newRefund(order, 'R2'), 7001)).rejects.toMatchObject({
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
      outRefundNo: `${outTradeNo}R9`,
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
