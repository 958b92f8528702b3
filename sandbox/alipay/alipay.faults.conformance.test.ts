import { eventually, newOutTradeNo, openAlipayAccount } from '../sandbox.testing';
import {
  paidTrade,
  precreate,
  query,
  received,
  sandbox,
  sdkFor,
  useConformanceSandbox,
} from './alipay.conformance.testing';

// The sandbox's faults as alipay-sdk meets them: scoped rules, failing and slow gateway calls,
// trades that pay themselves. (See alipay.conformance.test.ts for the whole set.)

useConformanceSandbox();

describe('faults', () => {
  test('are scoped: the most specific rule wins, and a rule for one order leaves the others alone', async () => {
    const account = await openAlipayAccount(sandbox);
    const sdk = sdkFor(account);
    const [mine, other] = [await paidTrade(sdk, '1.00'), await paidTrade(sdk, '2.00')];
    await sandbox.control('POST', '/_control/faults', {
      provider: 'alipay',
      account: account.app_id,
      api: { fail: 'system_error' },
    });
    await sandbox.control('POST', '/_control/faults', {
      provider: 'alipay',
      account: account.app_id,
      out_trade_no: mine,
      api: null,
    });

    expect(await query(sdk, mine)).toMatchObject({ code: '10000' });
    expect(await query(sdk, other)).toMatchObject({
      code: '20000',
      msg: 'Service Currently Unavailable',
      sub_code: 'isp.unknow-error',
    });
    const listed = await sandbox.control<{ data: Array<{ account?: string }> }>('GET', '/_control/faults');
    expect(listed.body.data.filter((rule) => rule.account === account.app_id)).toHaveLength(2);
    expect((await sandbox.control('DELETE', '/_control/faults')).body).toEqual({ deleted: listed.body.data.length });
    expect((await sandbox.control<{ data: unknown[] }>('GET', '/_control/faults')).body.data).toEqual([]);
    expect(await query(sdk, other)).toMatchObject({ code: '10000' });
  });

  test('api faults: a limited number of failures, HTTP 500, and slowness that outlasts the client', async () => {
    const account = await openAlipayAccount(sandbox);
    const sdk = sdkFor(account);
    const outTradeNo = await paidTrade(sdk, '1.00');
    await sandbox.control('POST', '/_control/faults', {
      provider: 'alipay',
      out_trade_no: outTradeNo,
      api: { fail: 'system_error', methods: ['alipay.trade.query'], times: 1 },
    });
    expect(await query(sdk, outTradeNo)).toMatchObject({ code: '20000' });
    expect(await query(sdk, outTradeNo)).toMatchObject({ code: '10000' });

    await sandbox.control('POST', '/_control/faults', {
      provider: 'alipay',
      out_trade_no: outTradeNo,
      api: { fail: 'http_500' },
    });
    await expect(query(sdk, outTradeNo)).rejects.toThrow(/status: 500/);

    // Far slower than the timeout: urllib's timers are coarse (up to a second late).
    await sandbox.control('POST', '/_control/faults', {
      provider: 'alipay',
      out_trade_no: outTradeNo,
      api: { slow_ms: 4000 },
    });
    const impatient = sdkFor(account, { timeout: 200 });
    await expect(query(impatient, outTradeNo)).rejects.toThrow(/HttpClient Request error/);
    await sandbox.control('POST', '/_control/faults', { provider: 'alipay', out_trade_no: outTradeNo, api: null });
  });

  test('auto_pay pays new trades by itself', async () => {
    const account = await openAlipayAccount(sandbox);
    const sdk = sdkFor(account);
    await sandbox.control('POST', '/_control/faults', {
      provider: 'alipay',
      account: account.app_id,
      auto_pay: { outcome: 'success', after_ms: 100 },
    });
    const outTradeNo = newOutTradeNo();
    await precreate(sdk, outTradeNo);
    await eventually(async () => expect(await query(sdk, outTradeNo)).toMatchObject({ trade_status: 'TRADE_SUCCESS' }));
    await eventually(() => expect(received(outTradeNo)).toHaveLength(1));
  });
});
