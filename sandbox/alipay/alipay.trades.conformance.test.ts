import { eventually, newOutTradeNo, openAlipayAccount, startTestSandbox, type TestSandbox } from '../sandbox.testing';
import {
  paidTrade,
  pay,
  precreate,
  query,
  received,
  receiver,
  sandbox,
  sdkFor,
  TIME_SCALE,
  tradeRecord,
  useConformanceSandbox,
} from './alipay.conformance.testing';

// What happens to an Alipay trade after it is created, through alipay-sdk: closing, refunds,
// expiry, and a sandbox restart. (See alipay.conformance.test.ts for the whole set.)

useConformanceSandbox();

describe('alipay.trade.close', () => {
  test('closes an unpaid trade; a closed or paid one answers ACQ.TRADE_STATUS_ERROR; an unknown one ACQ.TRADE_NOT_EXIST', async () => {
    const sdk = sdkFor(await openAlipayAccount(sandbox));
    const close = (outTradeNo: string) =>
      sdk.exec('alipay.trade.close', { bizContent: { out_trade_no: outTradeNo } }, { validateSign: true });

    const open = newOutTradeNo();
    await fetch((await precreate(sdk, open)).qr_code);
    expect(await close(open)).toMatchObject({ code: '10000', out_trade_no: open });
    expect(await query(sdk, open)).toMatchObject({ trade_status: 'TRADE_CLOSED' });
    expect(await close(open)).toMatchObject({ code: '40004', sub_code: 'ACQ.TRADE_STATUS_ERROR' });
    expect((await pay(open)).status).toBe(409);

    const paid = await paidTrade(sdk, '3.00');
    expect(await close(paid)).toMatchObject({ code: '40004', sub_code: 'ACQ.TRADE_STATUS_ERROR' });
    expect(await close(newOutTradeNo())).toMatchObject({ code: '40004', sub_code: 'ACQ.TRADE_NOT_EXIST' });
  });

  test('closing an order nobody scanned answers ACQ.TRADE_NOT_EXIST, and the order can no longer be paid', async () => {
    const sdk = sdkFor(await openAlipayAccount(sandbox));
    const outTradeNo = newOutTradeNo();
    await precreate(sdk, outTradeNo);
    expect(
      await sdk.exec('alipay.trade.close', { bizContent: { out_trade_no: outTradeNo } }, { validateSign: true }),
    ).toMatchObject({
      code: '40004',
      sub_code: 'ACQ.TRADE_NOT_EXIST',
    });
    expect(await tradeRecord(outTradeNo)).toMatchObject({ trade_status: 'TRADE_CLOSED', close_reason: 'merchant' });
    expect((await pay(outTradeNo)).status).toBe(409);
  });
});

describe('alipay.trade.refund and alipay.trade.fastpay.refund.query', () => {
  test('refunding twice with the same out_request_no refunds once; refunds never exceed the amount', async () => {
    const sdk = sdkFor(await openAlipayAccount(sandbox));
    const outTradeNo = await paidTrade(sdk, '100.00');
    const refund = (outRequestNo: string, amount: string) =>
      sdk.exec(
        'alipay.trade.refund',
        { bizContent: { out_trade_no: outTradeNo, refund_amount: amount, out_request_no: outRequestNo } },
        { validateSign: true },
      );

    expect(await refund('R1', '30.00')).toMatchObject({
      code: '10000',
      fund_change: 'Y',
      refund_fee: '30.00',
      send_back_fee: '30.00',
    });
    expect(await refund('R1', '30.00')).toMatchObject({ code: '10000', fund_change: 'N', refund_fee: '30.00' });
    expect(await refund('R1', '31.00')).toMatchObject({ code: '40004', sub_code: 'ACQ.DISCORDANT_REPEAT_REQUEST' });
    const afterOne = await tradeRecord(outTradeNo);
    expect(afterOne).toMatchObject({ amount_refunded: 3000, trade_status: 'TRADE_SUCCESS' });
    expect(afterOne.refunds).toHaveLength(1);

    expect(await refund('R2', '70.01')).toMatchObject({ code: '40004', sub_code: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL' });
    expect(await refund('R2', '70.00')).toMatchObject({ code: '10000', fund_change: 'Y', refund_fee: '100.00' });
    // Fully refunded: the trade closes but keeps its payment date.
    const closed = await query(sdk, outTradeNo);
    expect(closed).toMatchObject({ trade_status: 'TRADE_CLOSED' });
    expect(closed.send_pay_date).toBeTruthy();

    const refundQuery = (outRequestNo: string) =>
      sdk.exec(
        'alipay.trade.fastpay.refund.query',
        { bizContent: { out_trade_no: outTradeNo, out_request_no: outRequestNo } },
        { validateSign: true },
      );
    expect(await refundQuery('R1')).toMatchObject({
      code: '10000',
      out_request_no: 'R1',
      refund_amount: '30.00',
      total_amount: '100.00',
      refund_status: 'REFUND_SUCCESS',
    });
    const unknown = await refundQuery('R9');
    expect(unknown.code).toBe('10000');
    expect(unknown.refund_amount).toBeUndefined();

    // Refund notifications go to the trade's notify_url: one for the payment, one per refund.
    await eventually(() =>
      expect(received(outTradeNo).map((r) => [r.form.trade_status, r.form.out_biz_no, r.form.refund_fee])).toEqual([
        ['TRADE_SUCCESS', undefined, undefined],
        ['TRADE_SUCCESS', 'R1', '30.00'],
        ['TRADE_CLOSED', 'R2', '100.00'],
      ]),
    );
  });

  test('an unpaid trade cannot be refunded', async () => {
    const sdk = sdkFor(await openAlipayAccount(sandbox));
    const outTradeNo = newOutTradeNo();
    await fetch((await precreate(sdk, outTradeNo)).qr_code);
    const answer = await sdk.exec(
      'alipay.trade.refund',
      { bizContent: { out_trade_no: outTradeNo, refund_amount: '1.00', out_request_no: 'R1' } },
      { validateSign: true },
    );
    expect(answer).toMatchObject({ code: '40004', sub_code: 'ACQ.TRADE_STATUS_ERROR' });
  });
});

describe('expiry', () => {
  test('a trade closes by itself after timeout_express (time-scaled) and tells notify_url', async () => {
    const sdk = sdkFor(await openAlipayAccount(sandbox));
    const outTradeNo = newOutTradeNo();
    // 1m at time scale 600: 100 ms.
    const url = sdk.pageExecute('alipay.trade.page.pay', 'GET', {
      bizContent: {
        out_trade_no: outTradeNo,
        total_amount: '1.00',
        subject: 'x',
        product_code: 'FAST_INSTANT_TRADE_PAY',
        timeout_express: '1m',
      },
      notify_url: receiver.url,
    });
    expect((await fetch(url)).status).toBe(200);
    await eventually(() => expect(received(outTradeNo).map((r) => r.form.trade_status)).toEqual(['TRADE_CLOSED']));
    expect(received(outTradeNo)[0].form.gmt_close).toBeTruthy();
    expect(await query(sdk, outTradeNo)).toMatchObject({ trade_status: 'TRADE_CLOSED' });
    expect(await tradeRecord(outTradeNo)).toMatchObject({ close_reason: 'expired' });
    expect((await pay(outTradeNo)).status).toBe(409);
  });

  test('a trade closes at its time_expire (China time)', async () => {
    const sdk = sdkFor(await openAlipayAccount(sandbox));
    const outTradeNo = newOutTradeNo();
    const inTwoSeconds = new Date(Date.now() + 8 * 3600_000 + 2000).toISOString().slice(0, 19).replace('T', ' ');
    const created = await precreate(sdk, outTradeNo, '1.00', { time_expire: inTwoSeconds });
    await fetch(created.qr_code);
    expect(await query(sdk, outTradeNo)).toMatchObject({ trade_status: 'WAIT_BUYER_PAY' });
    await eventually(async () => expect(await query(sdk, outTradeNo)).toMatchObject({ trade_status: 'TRADE_CLOSED' }), {
      timeoutMs: 5_000,
    });
  });
});

describe('persistence', () => {
  test('accounts and trades survive a sandbox restart', async () => {
    const first = await startTestSandbox({ timeScale: TIME_SCALE });
    let second: TestSandbox | undefined;
    try {
      const account = await openAlipayAccount(first);
      const outTradeNo = newOutTradeNo();
      const created = await sdkFor(account).exec(
        'alipay.trade.precreate',
        { bizContent: { out_trade_no: outTradeNo, total_amount: '6.66', subject: 'restart' } },
        { validateSign: true },
      );
      await fetch(created.qr_code);
      await first.close();

      second = await startTestSandbox({ timeScale: TIME_SCALE });
      const sdk = sdkFor({ ...account, gateway: `${second.url}/alipay/gateway.do` });
      expect(await query(sdk, outTradeNo)).toMatchObject({
        code: '10000',
        trade_status: 'WAIT_BUYER_PAY',
        total_amount: '6.66',
      });
      expect(
        (
          await second.control('POST', '/_control/pay', {
            provider: 'alipay',
            out_trade_no: outTradeNo,
            outcome: 'success',
          })
        ).status,
      ).toBe(200);
      expect(await query(sdk, outTradeNo)).toMatchObject({ trade_status: 'TRADE_SUCCESS' });
    } finally {
      await first.close();
      await second?.close();
    }
  });
});
