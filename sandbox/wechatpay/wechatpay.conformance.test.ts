import { eventually, newOutTradeNo } from '../sandbox.testing';
import {
  nativeBody,
  notifyUrl,
  openNotification,
  paidOrder,
  pay,
  pluginFor,
  query,
  received,
  receiver,
  sandbox,
  settle,
  tradeRecord,
  useConformanceSandbox,
} from './wechatpay.conformance.testing';
import { openWechatpayAccount } from './wechatpay.testing';

// The simulated WeChat Pay against two independent clients, unchanged: wechatpay-axios-plugin
// (which signs every request and verifies every answer) and wechatpay-node-v3 (its own signing,
// its own notification decryption, its host swapped through createHttp). If both accept the
// sandbox, and the plugin refuses what it should refuse, so will the adapter built on it.
// This file: orders and refunds through the plugin. Beside it, by concern: accounts and keys
// (wechatpay.keys.conformance), notifications, the shopper's pages, and wechatpay-node-v3.

useConformanceSandbox();

describe('orders and refunds, with wechatpay-axios-plugin', () => {
  test('Native: prepay answers a code_url the shopper can open; the order is NOTPAY, then SUCCESS once paid', async () => {
    const account = await openWechatpayAccount(sandbox);
    const wxpay = pluginFor(account);
    const outTradeNo = newOutTradeNo('W');
    const created = await settle(wxpay.v3.pay.transactions.native.post(nativeBody(account, outTradeNo)));
    expect(created.status).toBe(200);
    expect(created.headers['wechatpay-serial']).toBe(account.wechatpay_public_key_id);
    expect(created.data.code_url).toMatch(new RegExp(`^${sandbox.url}/wechatpay/scan/wx\\d{14}`));
    const page = await fetch(String(created.data.code_url));
    expect(await page.text()).toContain('19.99');

    const before = await settle(query(wxpay, account, outTradeNo));
    expect(before).toMatchObject({
      status: 200,
      data: { trade_state: 'NOTPAY', out_trade_no: outTradeNo, mchid: account.mchid, amount: { total: 1999 } },
    });
    expect(before.data.transaction_id).toBeUndefined();

    expect((await pay(account, outTradeNo)).body).toMatchObject({
      state: 'SUCCESS',
      amount: 1999,
      notify_url: notifyUrl(outTradeNo),
    });
    const after = await settle(query(wxpay, account, outTradeNo));
    expect(after.data).toMatchObject({
      trade_state: 'SUCCESS',
      trade_type: 'NATIVE',
      amount: { total: 1999, payer_total: 1999, currency: 'CNY' },
    });
    expect(after.data.transaction_id).toMatch(/^\d{28}$/);
    expect(after.data.success_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
    expect((after.data.payer as { openid: string }).openid).toMatch(/^o/);

    const byId = await settle(
      wxpay.v3.pay.transactions.id._transaction_id_.get({
        params: { mchid: account.mchid },
        transaction_id: after.data.transaction_id,
      } as never),
    );
    expect(byId.data).toMatchObject({ out_trade_no: outTradeNo, trade_state: 'SUCCESS' });
    // Once paid, the same order number is refused.
    expect(await settle(wxpay.v3.pay.transactions.native.post(nativeBody(account, outTradeNo)))).toMatchObject({
      status: 400,
      data: { code: 'ORDER_PAID' },
    });
  });

  test('JSAPI and H5 prepay; their required fields are PARAM_ERRORs that name the field', async () => {
    const account = await openWechatpayAccount(sandbox);
    const wxpay = pluginFor(account);
    const jsapi = await settle(
      wxpay.v3.pay.transactions.jsapi.post({
        ...nativeBody(account, newOutTradeNo('W')),
        payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
      }),
    );
    expect(jsapi.data.prepay_id).toMatch(/^wx\d{14}[0-9a-f]{20}0000$/);
    const h5 = await settle(
      wxpay.v3.pay.transactions.h5.post({
        ...nativeBody(account, newOutTradeNo('W')),
        scene_info: { payer_client_ip: '203.0.113.7', h5_info: { type: 'Wap' } },
      }),
    );
    expect(h5.data.h5_url).toMatch(new RegExp(`^${sandbox.url}/wechatpay/checkmweb\\?prepay_id=wx\\w+&package=\\d+$`));

    const noOpenid = await settle(wxpay.v3.pay.transactions.jsapi.post(nativeBody(account, newOutTradeNo('W'))));
    expect(noOpenid).toMatchObject({
      status: 400,
      data: { code: 'PARAM_ERROR', detail: { field: '/payer/openid', location: 'body' } },
    });
    const zero = await settle(wxpay.v3.pay.transactions.native.post(nativeBody(account, newOutTradeNo('W'), 0)));
    expect(zero).toMatchObject({ status: 400, data: { code: 'PARAM_ERROR', detail: { field: '/amount/total' } } });
    const withQuery = await settle(
      wxpay.v3.pay.transactions.native.post({
        ...nativeBody(account, newOutTradeNo('W')),
        notify_url: `${receiver.url}/x?a=1`,
      }),
    );
    expect(withQuery).toMatchObject({ status: 400, data: { code: 'PARAM_ERROR', detail: { field: '/notify_url' } } });
    const badExpiry = await settle(
      wxpay.v3.pay.transactions.native.post(
        nativeBody(account, newOutTradeNo('W'), 100, { time_expire: '2030-02-31T10:00:00+08:00' }),
      ),
    );
    expect(badExpiry).toMatchObject({ status: 400, data: { code: 'PARAM_ERROR', detail: { field: '/time_expire' } } });
    const otherApp = await settle(
      wxpay.v3.pay.transactions.native.post({
        ...nativeBody(account, newOutTradeNo('W')),
        appid: 'wx0000000000000000',
      }),
    );
    expect(otherApp).toMatchObject({ status: 400, data: { code: 'APPID_MCHID_NOT_MATCH' } });
  });

  test('the same unpaid order sent twice is one order; another amount is OUT_TRADE_NO_USED', async () => {
    const account = await openWechatpayAccount(sandbox);
    const wxpay = pluginFor(account);
    const outTradeNo = newOutTradeNo('W');
    const first = await settle(wxpay.v3.pay.transactions.native.post(nativeBody(account, outTradeNo)));
    const second = await settle(wxpay.v3.pay.transactions.native.post(nativeBody(account, outTradeNo)));
    expect(second.data.code_url).toBe(first.data.code_url);
    expect(await settle(wxpay.v3.pay.transactions.native.post(nativeBody(account, outTradeNo, 2000)))).toMatchObject({
      status: 400,
      data: { code: 'OUT_TRADE_NO_USED' },
    });
  });

  test('close: 204 and CLOSED; a paid order is ORDER_PAID; an unknown one is 204 too, as on WeChat', async () => {
    const account = await openWechatpayAccount(sandbox);
    const wxpay = pluginFor(account);
    const close = (outTradeNo: string) =>
      settle(
        wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.close.post({ mchid: account.mchid }, {
          out_trade_no: outTradeNo,
        } as never),
      );
    const open = newOutTradeNo('W');
    await settle(wxpay.v3.pay.transactions.native.post(nativeBody(account, open)));
    expect(await close(open)).toMatchObject({ status: 204, data: '' });
    expect((await settle(query(wxpay, account, open))).data).toMatchObject({
      trade_state: 'CLOSED',
      trade_state_desc: '订单已关闭',
    });
    expect(await tradeRecord(open)).toMatchObject({ close_reason: 'merchant' });
    expect((await pay(account, open)).status).toBe(409);
    expect(await settle(wxpay.v3.pay.transactions.native.post(nativeBody(account, open)))).toMatchObject({
      status: 400,
      data: { code: 'ORDER_CLOSED' },
    });

    expect(await close(await paidOrder(account))).toMatchObject({ status: 400, data: { code: 'ORDER_PAID' } });
    const unknown = newOutTradeNo('W');
    expect((await close(unknown)).status).toBe(204);
    expect(await settle(query(wxpay, account, unknown))).toMatchObject({
      status: 404,
      data: { code: 'ORDER_NOT_EXIST' },
    });
  });

  test('an order whose time_expire passes closes by itself, and nobody is told', async () => {
    const account = await openWechatpayAccount(sandbox);
    const wxpay = pluginFor(account);
    const outTradeNo = newOutTradeNo('W');
    const inTwoSeconds = `${new Date(Date.now() + 8 * 3600_000 + 1500).toISOString().slice(0, 19)}+08:00`;
    await settle(
      wxpay.v3.pay.transactions.native.post(nativeBody(account, outTradeNo, 100, { time_expire: inTwoSeconds })),
    );
    expect((await settle(query(wxpay, account, outTradeNo))).data.trade_state).toBe('NOTPAY');
    await eventually(
      async () =>
        expect(await tradeRecord(outTradeNo)).toMatchObject({ trade_state: 'CLOSED', close_reason: 'expired' }),
      { timeoutMs: 5000 },
    );
    expect((await pay(account, outTradeNo)).status).toBe(409);
    expect(received(`/notify/${outTradeNo}`)).toHaveLength(0);
  });

  test('refunds: PROCESSING, then SUCCESS a (time-scaled) minute later with a REFUND.SUCCESS notification; once per out_refund_no; never more than was paid', async () => {
    const account = await openWechatpayAccount(sandbox);
    const wxpay = pluginFor(account);
    const outTradeNo = await paidOrder(account, 10000);
    const refund = (outRefundNo: string, amount: number, total = 10000) =>
      settle(
        wxpay.v3.refund.domestic.refunds.post({
          out_trade_no: outTradeNo,
          out_refund_no: outRefundNo,
          reason: '商品已售完',
          notify_url: notifyUrl(outTradeNo, '-refunds'),
          amount: { refund: amount, total, currency: 'CNY' },
        }),
      );
    const first = await refund('R1', 3000);
    expect(first).toMatchObject({
      status: 200,
      data: {
        out_refund_no: 'R1',
        out_trade_no: outTradeNo,
        status: 'PROCESSING',
        amount: { refund: 3000, total: 10000 },
      },
    });
    expect(first.data.refund_id).toMatch(/^\d{29}$/);
    expect(await refund('R1', 3000)).toMatchObject({ status: 200, data: { refund_id: first.data.refund_id } });
    expect(await refund('R1', 3100)).toMatchObject({ status: 400, data: { code: 'INVALID_REQUEST' } });
    expect(await refund('R2', 7001)).toMatchObject({
      status: 400,
      data: { code: 'INVALID_REQUEST', message: '申请退款金额超过订单可退金额' },
    });
    expect(await refund('R2', 100, 9999)).toMatchObject({
      status: 400,
      data: { code: 'PARAM_ERROR', detail: { field: '/amount/total' } },
    });
    expect((await settle(query(wxpay, account, outTradeNo))).data.trade_state).toBe('REFUND');

    const refundQuery = (outRefundNo: string) =>
      settle(wxpay.v3.refund.domestic.refunds._out_refund_no_.get({ out_refund_no: outRefundNo } as never));
    await eventually(
      async () => expect((await refundQuery('R1')).data).toMatchObject({ status: 'SUCCESS', amount: { refund: 3000 } }),
      { timeoutMs: 5000 },
    );
    expect((await refundQuery('R1')).data.success_time).toMatch(/\+08:00$/);
    expect(await refundQuery('R9')).toMatchObject({ status: 404, data: { code: 'RESOURCE_NOT_EXISTS' } });
    expect(await tradeRecord(outTradeNo)).toMatchObject({
      amount_refunded: 3000,
      refunds: [expect.objectContaining({ out_refund_no: 'R1', status: 'SUCCESS' })],
    });

    const [notification] = await eventually(() => {
      expect(received(`/notify/${outTradeNo}-refunds`)).toHaveLength(1);
      return received(`/notify/${outTradeNo}-refunds`);
    });
    const opened = openNotification(notification, account);
    expect(opened.verified).toBe(true);
    expect(opened.body).toMatchObject({
      event_type: 'REFUND.SUCCESS',
      resource: { original_type: 'refund', associated_data: 'refund' },
    });
    expect(opened.resource).toMatchObject({
      mchid: account.mchid,
      out_trade_no: outTradeNo,
      out_refund_no: 'R1',
      refund_status: 'SUCCESS',
      amount: { refund: 3000, total: 10000 },
    });
  });

  test('an unpaid order cannot be refunded: RESOURCE_NOT_EXISTS', async () => {
    const account = await openWechatpayAccount(sandbox);
    const wxpay = pluginFor(account);
    const outTradeNo = newOutTradeNo('W');
    await settle(wxpay.v3.pay.transactions.native.post(nativeBody(account, outTradeNo)));
    const refused = await settle(
      wxpay.v3.refund.domestic.refunds.post({
        out_trade_no: outTradeNo,
        out_refund_no: 'R1',
        amount: { refund: 1, total: 1999, currency: 'CNY' },
      }),
    );
    expect(refused).toMatchObject({ status: 404, data: { code: 'RESOURCE_NOT_EXISTS' } });
  });

  test('the control API counts the queries answered about an order, by out_trade_no or transaction_id', async () => {
    const account = await openWechatpayAccount(sandbox);
    const wxpay = pluginFor(account);
    const outTradeNo = await paidOrder(account);
    expect((await tradeRecord(outTradeNo)).queries).toBe(0);
    const found = await settle(query(wxpay, account, outTradeNo));
    expect(found.status).toBe(200);
    await settle(
      wxpay.v3.pay.transactions.id._transaction_id_.get({
        params: { mchid: account.mchid },
        transaction_id: found.data.transaction_id,
      } as never),
    );
    expect((await tradeRecord(outTradeNo)).queries).toBe(2);
  });

  test("faults: system_error and http_500 for one order's calls", async () => {
    const account = await openWechatpayAccount(sandbox);
    const wxpay = pluginFor(account);
    const outTradeNo = await paidOrder(account);
    await sandbox.control('POST', '/_control/faults', {
      provider: 'wechatpay',
      out_trade_no: outTradeNo,
      api: { fail: 'system_error', methods: ['GET /v3/pay/transactions/out-trade-no/{out_trade_no}'], times: 1 },
    });
    expect(await settle(query(wxpay, account, outTradeNo))).toMatchObject({
      status: 500,
      data: { code: 'SYSTEM_ERROR' },
    });
    expect(await settle(query(wxpay, account, outTradeNo))).toMatchObject({ status: 200 });
    await sandbox.control('POST', '/_control/faults', {
      provider: 'wechatpay',
      out_trade_no: outTradeNo,
      api: { fail: 'http_500' },
    });
    const failed = await settle(query(wxpay, account, outTradeNo));
    expect(failed.status).toBe(500);
    expect(failed.headers['wechatpay-signature']).toBeUndefined();
    await sandbox.control('POST', '/_control/faults', { provider: 'wechatpay', out_trade_no: outTradeNo, api: null });
  });
});
