import { newOutTradeNo } from '../sandbox.testing';
import {
  nativeBody,
  pay,
  pluginFor,
  query,
  received,
  sandbox,
  settle,
  tradeRecord,
  useConformanceSandbox,
} from './wechatpay.conformance.testing';
import { openWechatpayAccount } from './wechatpay.testing';

// The pages a shopper sees in WeChat, driven as a browser would: Native's scan page, H5's
// checkmweb, the password prompt. (See wechatpay.conformance.test.ts for the whole set.)

useConformanceSandbox();

describe("the shopper's pages", () => {
  test('Native: the scan page pays the order', async () => {
    const account = await openWechatpayAccount(sandbox);
    const outTradeNo = newOutTradeNo('W');
    const created = await settle(
      pluginFor(account).v3.pay.transactions.native.post(nativeBody(account, outTradeNo, 888)),
    );
    const html = await (await fetch(String(created.data.code_url))).text();
    expect(html).toContain('8.88');
    expect(html).toContain('茶具 Tea set');
    const action = /action="([^"]+\/pay)"/.exec(html)?.[1] ?? '';
    const paid = await fetch(action.replace(/&amp;/g, '&'), { method: 'POST' });
    expect(await paid.text()).toContain('Payment succeeded');
    expect(await tradeRecord(outTradeNo)).toMatchObject({ trade_state: 'SUCCESS' });
  });

  test('H5: checkmweb pays, then sends the shopper to redirect_url', async () => {
    const account = await openWechatpayAccount(sandbox);
    const outTradeNo = newOutTradeNo('W');
    const created = await settle(
      pluginFor(account).v3.pay.transactions.h5.post({
        ...nativeBody(account, outTradeNo),
        scene_info: { payer_client_ip: '203.0.113.7', h5_info: { type: 'Wap' } },
      }),
    );
    const url = `${created.data.h5_url}&redirect_url=${encodeURIComponent('https://shop.example/return?order=42')}`;
    const html = await (await fetch(url)).text();
    const form =
      /<form method="post" action="([^"]+\/pay)"><input type="hidden" name="redirect_url" value="([^"]+)">/.exec(html);
    expect(form).not.toBeNull();
    const paid = await fetch(form?.[1] ?? '', {
      method: 'POST',
      body: new URLSearchParams({ redirect_url: (form?.[2] ?? '').replace(/&amp;/g, '&') }),
      redirect: 'manual',
    });
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe('https://shop.example/return?order=42');
    expect(await tradeRecord(outTradeNo)).toMatchObject({ trade_state: 'SUCCESS', trade_type: 'MWEB' });
  });

  test('a shopper entering the password leaves the order USERPAYING; closing it then is 202 USER_PAYING', async () => {
    const account = await openWechatpayAccount(sandbox);
    const wxpay = pluginFor(account);
    const outTradeNo = newOutTradeNo('W');
    const created = await settle(wxpay.v3.pay.transactions.native.post(nativeBody(account, outTradeNo)));
    const html = await (await fetch(String(created.data.code_url))).text();
    const paying = /action="([^"]+\/paying)"/.exec(html)?.[1] ?? '';
    expect((await fetch(paying, { method: 'POST', redirect: 'manual' })).status).toBe(303);
    expect((await settle(query(wxpay, account, outTradeNo))).data.trade_state).toBe('USERPAYING');
    const close = await settle(
      wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.close.post({ mchid: account.mchid }, {
        out_trade_no: outTradeNo,
      } as never),
    );
    expect(close).toMatchObject({ status: 202, data: { code: 'USER_PAYING' } });
    expect((await pay(account, outTradeNo, 'fail')).body).toMatchObject({
      state: 'PAYERROR',
      failed_attempts: [expect.any(String)],
    });
    expect((await settle(query(wxpay, account, outTradeNo))).data.trade_state).toBe('PAYERROR');
    expect(received(`/notify/${outTradeNo}`)).toHaveLength(0);
  });
});
