import type { StatementEntry } from '../provider';
import { parseWechatpayTradeBill, WechatpayBillFormatError, yuanToFen } from './wechatpay.statement';

// Reading WeChat's trade bill (交易账单) into StatementEntries, on bills built here. Asking for it,
// downloading and checking it: wechatpay.statement-fetch.test.ts.

const HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
const SUMMARY_HEADER = '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';
const MCHID = '1230000109';

/** A row of an ALL bill, back-quoted, from the cells that differ between rows. */
function row(cells: {
  time: string;
  txn: string;
  order: string;
  state: 'SUCCESS' | 'REFUND' | string;
  settled?: string;
  refundId?: string;
  refundNo?: string;
  refunded?: string;
  refundStatus?: string;
  description?: string;
  total?: string;
  asked?: string;
  mchid?: string;
}): string {
  const refund = cells.state === 'REFUND';
  return [
    cells.time,
    'wx8888888888888888',
    cells.mchid ?? MCHID,
    '0',
    '',
    cells.txn,
    cells.order,
    'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
    'JSAPI',
    cells.state,
    'OTHERS',
    'CNY',
    cells.settled ?? (refund ? '0.00' : (cells.total ?? '0.00')),
    '0.00',
    cells.refundId ?? '0',
    cells.refundNo ?? '0',
    cells.refunded ?? '0.00',
    '0.00',
    refund ? 'ORIGINAL' : '',
    cells.refundStatus ?? (refund ? 'SUCCESS' : ''),
    cells.description ?? 'Tea',
    '',
    '0.00000',
    '0.60%',
    cells.total ?? '0.00',
    cells.asked ?? '0.00',
    '',
  ]
    .map((value) => `\`${value}`)
    .join(',');
}

function bill(rows: string[], count = rows.length): string {
  return `\ufeff${[HEADER, ...rows, SUMMARY_HEADER, `\`${count},\`0.00,\`0.00,\`0.00,\`0.00000,\`0.00,\`0.00`].join('\r\n')}\r\n`;
}

describe('reading a trade bill', () => {
  test('payments are read by 订单金额, refunds by 申请退款金额 with our refund number; 交易时间 is China time', () => {
    const text = bill([
      row({
        time: '2026-03-04 09:10:11',
        txn: '4200000000000000000000000001',
        order: 'payA1',
        state: 'SUCCESS',
        total: '25.90',
        settled: '20.90',
      }),
      row({
        time: '2026-03-04 23:59:59',
        txn: '4200000000000000000000000001',
        order: 'payA1',
        state: 'REFUND',
        refundId: '50300000000000000000000000001',
        refundNo: 'reB2',
        refunded: '9.00',
        asked: '10.00',
      }),
    ]);
    expect(parseWechatpayTradeBill(text, MCHID)).toEqual<StatementEntry[]>([
      {
        kind: 'payment',
        outTradeNo: 'payA1',
        outRefundNo: null,
        providerTradeNo: '4200000000000000000000000001',
        amountMinor: 2590,
        at: new Date('2026-03-04T01:10:11Z'),
      },
      {
        kind: 'refund',
        outTradeNo: 'payA1',
        outRefundNo: 'reB2',
        providerTradeNo: '4200000000000000000000000001',
        amountMinor: 1000,
        at: new Date('2026-03-04T15:59:59Z'),
      },
    ]);
  });

  test('a bill with only its header and summary is an empty statement; LF line ends and no BOM are read too', () => {
    expect(parseWechatpayTradeBill(bill([]), MCHID)).toEqual([]);
    const plain = bill([
      row({ time: '2026-03-04 09:10:11', txn: '42', order: 'payA1', state: 'SUCCESS', total: '0.01' }),
    ])
      .replace(/^\ufeff/, '')
      .replaceAll('\r\n', '\n');
    expect(parseWechatpayTradeBill(plain, MCHID)).toMatchObject([{ outTradeNo: 'payA1', amountMinor: 1 }]);
  });

  test('a comma inside a description stays in its field; a refund that closed moved no money and is left out', () => {
    const text = bill([
      row({
        time: '2026-03-04 09:10:11',
        txn: '42',
        order: 'payA1',
        state: 'SUCCESS',
        total: '1.00',
        description: 'Tea, green',
      }),
      row({
        time: '2026-03-04 10:00:00',
        txn: '42',
        order: 'payA1',
        state: 'REFUND',
        refundNo: 'reB2',
        refunded: '1.00',
        asked: '1.00',
        refundStatus: 'CLOSED',
      }),
      row({
        time: '2026-03-04 10:00:01',
        txn: '42',
        order: 'payA1',
        state: 'REFUND',
        refundNo: 'reB3',
        refunded: '1.00',
        asked: '1.00',
        refundStatus: 'PROCESSING',
      }),
    ]);
    expect(
      parseWechatpayTradeBill(text, MCHID).map((entry) => [entry.kind, entry.outRefundNo, entry.amountMinor]),
    ).toEqual([
      ['payment', null, 100],
      ['refund', 'reB3', 100],
    ]);
  });

  test.each([
    [
      'a summary that counts another number of rows',
      bill([row({ time: '2026-03-04 09:10:11', txn: '42', order: 'payA1', state: 'SUCCESS', total: '1.00' })], 2),
      /总交易单数/,
    ],
    [
      'a row of another merchant',
      bill([
        row({
          time: '2026-03-04 09:10:11',
          txn: '42',
          order: 'payA1',
          state: 'SUCCESS',
          total: '1.00',
          mchid: '1900000001',
        }),
      ]),
      /1900000001/,
    ],
    [
      'a 交易状态 other than SUCCESS or REFUND',
      bill([row({ time: '2026-03-04 09:10:11', txn: '42', order: 'payA1', state: 'REVOKED', total: '1.00' })]),
      /REVOKED/,
    ],
    [
      'an amount that is not yuan',
      bill([row({ time: '2026-03-04 09:10:11', txn: '42', order: 'payA1', state: 'SUCCESS', total: '1.005' })]),
      /not an amount/,
    ],
    [
      'a time that is not China time to the second',
      bill([row({ time: '2026-03-04T09:10:11', txn: '42', order: 'payA1', state: 'SUCCESS', total: '1.00' })]),
      /交易时间/,
    ],
    [
      'a refund row without our refund number',
      bill([row({ time: '2026-03-04 09:10:11', txn: '42', order: 'payA1', state: 'REFUND', asked: '1.00' })]),
      /商户退款单号/,
    ],
    [
      'a row with a field too many',
      bill([`${row({ time: '2026-03-04 09:10:11', txn: '42', order: 'payA1', state: 'SUCCESS', total: '1.00' })},\`x`]),
      /28 fields/,
    ],
    ['no summary', `${HEADER}\r\n`, /summary/],
    ['an error answer instead of a bill', '{"code":"SYSTEM_ERROR","message":"系统错误"}', /column/],
  ])('%s is refused', (_name, text, message) => {
    expect(() => parseWechatpayTradeBill(text, MCHID)).toThrow(WechatpayBillFormatError);
    expect(() => parseWechatpayTradeBill(text, MCHID)).toThrow(message);
  });

  test.each([
    ['0.01', 1],
    ['19.99', 1999],
    ['1299.02', 129902],
    ['7', 700],
    ['0.5', 50],
    ['100000000.00', 10000000000],
  ])('%s yuan is %d fen', (text, fen) => {
    expect(yuanToFen(text)).toBe(fen);
  });

  test.each(['', '-1.00', '1.234', '1,000.00', '1e3', ' 1.00'])('%j is not an amount', (text) => {
    expect(() => yuanToFen(text)).toThrow(WechatpayBillFormatError);
  });
});
