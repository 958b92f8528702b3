import type { WechatpaySimRefund, WechatpaySimTrade } from './wechatpay.model';
import { formatWechatpayTradeBill, WECHATPAY_BILL_COLUMNS, wechatpayStatementLines } from './wechatpay.bill';

// WeChat Pay's trade bill file (交易账单) in WeChat's format, written from records made up here,
// without a sandbox. How the bill is handed out over APIv3 is wechatpay.statement.test.ts.

const ALL_HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
const SUMMARY_HEADER = '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';

function simTrade(overrides: Partial<WechatpaySimTrade> = {}): WechatpaySimTrade {
  return {
    mchid: '1900000109',
    appid: 'wx0123456789abcdef',
    out_trade_no: 'pay_A1',
    trade_type: 'NATIVE',
    prepay_id: 'wx20260101100000abcdef01234567890000',
    transaction_id: '4200000001202601010000000001',
    description: 'Tea set 茶具, green',
    attach: null,
    total: 1999,
    notify_url: 'https://merchant.example/notify',
    payer_openid: 'oUser1',
    payer_client_ip: null,
    h5_type: null,
    trade_state: 'SUCCESS',
    create_time: '2026-01-01T02:00:00.000Z',
    time_expire: '2026-01-01T04:00:00.000Z',
    success_time: '2026-01-01T02:03:04.567Z',
    close_time: null,
    close_reason: null,
    failed_attempts: [],
    refunds: [],
    ...overrides,
  };
}

function simRefund(overrides: Partial<WechatpaySimRefund> = {}): WechatpaySimRefund {
  return {
    out_refund_no: 're_B2',
    refund_id: '50300000012026010100000000001',
    refund: 500,
    reason: null,
    notify_url: null,
    status: 'SUCCESS',
    create_time: '2026-01-01T03:00:00.000Z',
    success_time: '2026-01-01T03:01:00.000Z',
    settles_at: null,
    ...overrides,
  };
}

describe('the bill file', () => {
  test("an ALL bill: a BOM, WeChat's header, back-quoted rows in yuan (the refund's as REFUND), the summary; CRLF throughout", () => {
    const trades = [
      simTrade({
        refunds: [simRefund(), simRefund({ out_refund_no: 're_C3', status: 'PROCESSING', success_time: null })],
      }),
      // Paid on another China day (23:59:59 on Dec 31st), and paid after the bill was cut: neither is on it.
      simTrade({ out_trade_no: 'pay_Y0', success_time: '2025-12-31T15:59:59.000Z' }),
      simTrade({ out_trade_no: 'pay_L8', success_time: '2026-01-01T05:00:00.000Z' }),
    ];
    const lines = wechatpayStatementLines(trades, '2026-01-01', new Date('2026-01-01T04:00:00Z'));
    const file = formatWechatpayTradeBill(lines, 'ALL', { mchid: '1900000109', appid: 'wx0123456789abcdef' });
    expect(file).toBe(
      [
        `\ufeff${ALL_HEADER}`,
        '`2026-01-01 10:03:04,`wx0123456789abcdef,`1900000109,`0,`,`4200000001202601010000000001,`pay_A1,`oUser1,`NATIVE,`SUCCESS,`OTHERS,`CNY,`19.99,`0.00,`0,`0,`0.00,`0.00,`,`,`Tea set 茶具, green,`,`0.12000,`0.60%,`19.99,`0.00,`',
        '`2026-01-01 11:01:00,`wx0123456789abcdef,`1900000109,`0,`,`4200000001202601010000000001,`pay_A1,`oUser1,`NATIVE,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`50300000012026010100000000001,`re_B2,`5.00,`0.00,`ORIGINAL,`SUCCESS,`Tea set 茶具, green,`,`-0.03000,`0.60%,`0.00,`5.00,`',
        SUMMARY_HEADER,
        '`2,`19.99,`5.00,`0.00,`0.09000,`19.99,`5.00',
        '',
      ].join('\r\n'),
    );
  });

  test('SUCCESS and REFUND bills have their own columns and only their own rows; a REFUND row has both refund times', () => {
    const lines = wechatpayStatementLines(
      [simTrade({ refunds: [simRefund()] })],
      '2026-01-01',
      new Date('2026-01-02T00:00:00Z'),
    );
    const account = { mchid: '1900000109', appid: 'wx0123456789abcdef' };
    const rows = (file: string) => file.replace(/^\ufeff/, '').split('\r\n');

    const success = rows(formatWechatpayTradeBill(lines, 'SUCCESS', account));
    expect(success[0]).toBe(WECHATPAY_BILL_COLUMNS.SUCCESS.join(','));
    expect(success[0]).not.toContain('退款');
    expect(success).toHaveLength(5);
    expect(success[1]).toContain('`SUCCESS,');
    expect(success[1].split(',`')).toHaveLength(20);

    const refund = rows(formatWechatpayTradeBill(lines, 'REFUND', account));
    expect(refund[0]).toContain('退款申请时间,退款成功时间');
    expect(refund).toHaveLength(5);
    const cells = Object.fromEntries(
      WECHATPAY_BILL_COLUMNS.REFUND.map((name, i) => [name, refund[1].slice(1).split(',`')[i]]),
    );
    expect(cells).toMatchObject({
      交易状态: 'REFUND',
      退款申请时间: '2026-01-01 11:00:00',
      退款成功时间: '2026-01-01 11:01:00',
      商户退款单号: 're_B2',
      退款金额: '5.00',
    });
    expect(refund[2]).toBe(SUMMARY_HEADER);
    expect(refund[3]).toBe('`1,`0.00,`5.00,`0.00,`-0.03000,`0.00,`5.00');
  });

  test('a line break in a description does not break the row', () => {
    const lines = wechatpayStatementLines(
      [simTrade({ description: 'two\r\nlines', attach: 'a\nb' })],
      '2026-01-01',
      new Date('2026-01-02T00:00:00Z'),
    );
    const file = formatWechatpayTradeBill(lines, 'ALL', { mchid: '1900000109', appid: 'wx0123456789abcdef' });
    expect(file.split('\r\n')).toHaveLength(5);
    expect(file).toContain('`two lines,`a b,');
  });
});
