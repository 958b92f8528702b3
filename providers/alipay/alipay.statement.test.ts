import { strToU8, zipSync } from 'fflate';
import iconv from 'iconv-lite';
import { ProviderError, ProviderUnavailableError } from '../errors';
import type { StatementEntry } from '../provider';
import { AlipayBillFormatError, parseAlipayTradeBill, readAlipayBillZip } from './alipay.statement';

// Reading Alipay's trade bill: the zip unzipped and read as GBK, its rows in Tongbao's words, on
// bills built here (with fflate, not the sandbox's writer). Asking for it and downloading it:
// alipay.statement-fetch.test.ts.

const HEADER =
  '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注';

/** A detail row in Alipay's layout; `fields` overrides columns by position. */
function row(
  tradeNo: string,
  outTradeNo: string,
  type: string,
  amount: string,
  completedAt: string,
  refundNo = '',
  fields: Record<number, string> = {},
): string {
  const cells = [
    `${tradeNo}\t`,
    `${outTradeNo}\t`,
    `${type}\t`,
    '茶具',
    '2026-11-21 10:00:00',
    completedAt,
    '\t',
    '\t',
    '\t',
    '\t',
    '*津水(602***@qq.com)\t',
    amount,
    amount,
    '0.00',
    '0.00',
    '0.00',
    '0.00',
    '0.00',
    '',
    '0.00\t',
    '0.00',
    `${refundNo}\t`,
    '-0.06',
    '0.00',
    '备注',
  ];
  for (const [at, value] of Object.entries(fields)) cells[Number(at)] = value;
  return cells.join(',');
}

const PAYMENT = row('2026112122001458860515315453', 'pay_a', '交易', '19.99', '2026-11-21 10:00:05');
const REFUND = row('2026112122001458860515315453', 'pay_a', '退款', '-5.00', '2026-11-21 23:59:59', 're_a');
const SECOND = row('2026112122001458860515315454', 'pay_b', '交易', '0.01', '2026-11-21 00:00:00');

interface DetailOptions {
  date?: string;
  header?: string;
  rows?: string[];
  totals?: string[] | null;
  end?: boolean;
}

/** A detail file as Alipay writes it. */
function detail({
  date = '2026-11-21',
  header = HEADER,
  rows = [PAYMENT, REFUND, SECOND],
  totals,
  end = true,
}: DetailOptions = {}): string {
  const d = (text: string) => `${text.slice(0, 4)}年${text.slice(5, 7)}月${text.slice(8, 10)}日`;
  return [
    '#支付宝业务明细查询',
    '#账号：[20880211096256330156]',
    `#起始日期：[${d(date)} 00:00:00]   终止日期：[${d(date)} 23:59:59]`,
    '#-----------------------------------------业务明细列表----------------------------------------',
    header,
    ...rows,
    ...(end ? ['#-----------------------------------------业务明细列表结束------------------------------------'] : []),
    ...(totals === null
      ? []
      : (totals ?? [
          '#交易合计：2笔，商家实收共20.00元，商家优惠共0.00元',
          '#退款合计：1笔，商家实收退款共-5.00元，商家优惠退款共0.00元',
        ])),
    '#导出时间：[2026年11月22日 05:46:49]',
  ].join('\r\n');
}

const SUMMARY =
  '#支付宝业务汇总查询\r\n#账号：[20880211096256330156]\r\n合计,,2,1,15.00,15.00,0.00,0.00,0.00,-0.06,0.00,14.94\r\n';

/** A bill zip made by fflate: names UTF-8 (with the flag), the detail deflated, the summary stored. */
function billZip(detailText = detail(), files: Record<string, Uint8Array> = {}): Buffer {
  return Buffer.from(
    zipSync({
      '20880211096256330156_20261121_业务明细.csv': [iconv.encode(detailText, 'gbk'), { level: 6 }],
      '20880211096256330156_20261121_业务明细(汇总).csv': [iconv.encode(SUMMARY, 'gbk'), { level: 0 }],
      ...files,
    }),
  );
}

const chinaTime = (text: string) => new Date(`${text.replace(' ', 'T')}+08:00`);

describe('reading a bill', () => {
  test('payments and refunds in Tongbao’s words: refunds positive with their request number, amounts in fen', () => {
    expect(parseAlipayTradeBill(readAlipayBillZip(billZip()), '2026-11-21')).toEqual<StatementEntry[]>([
      {
        kind: 'payment',
        outTradeNo: 'pay_a',
        outRefundNo: null,
        providerTradeNo: '2026112122001458860515315453',
        amountMinor: 1999,
        at: chinaTime('2026-11-21 10:00:05'),
      },
      {
        kind: 'refund',
        outTradeNo: 'pay_a',
        outRefundNo: 're_a',
        providerTradeNo: '2026112122001458860515315453',
        amountMinor: 500,
        at: chinaTime('2026-11-21 23:59:59'),
      },
      {
        kind: 'payment',
        outTradeNo: 'pay_b',
        outRefundNo: null,
        providerTradeNo: '2026112122001458860515315454',
        amountMinor: 1,
        at: chinaTime('2026-11-21 00:00:00'),
      },
    ]);
  });

  test('names are read as GBK unless flagged UTF-8; quoted fields, LF line ends and halfwidth （元） are understood', () => {
    const quoted = row('2026112122001458860515315455', 'pay_c', '交易', '1,000.00', '2026-11-21 12:00:00', '', {
      3: '"Tea, ""green"""',
      11: '"1000.00"',
      12: '1000.00',
    });
    const text = detail({
      header: HEADER.replaceAll('（', '(').replaceAll('）', ')'),
      rows: [quoted],
      totals: ['#交易合计：1笔，商家实收共1000.00元，商家优惠共0.00元'],
    }).replaceAll('\r\n', '\n');
    const zip = billZip(text);
    const entries = readAlipayBillZip(zip);
    expect(entries.map((e) => e.name)).toEqual([
      '20880211096256330156_20261121_业务明细.csv',
      '20880211096256330156_20261121_业务明细(汇总).csv',
    ]);
    expect(parseAlipayTradeBill(entries, '2026-11-21')).toMatchObject([{ outTradeNo: 'pay_c', amountMinor: 100000 }]);
  });

  test.each<[string, DetailOptions | (() => AlipayBillFormatError | Buffer), RegExp]>([
    ['a bill of another day', { date: '2026-11-20' }, /bill of 2026-11-20, not of 2026-11-21/],
    [
      'no 退款批次号/请求号 column',
      { header: HEADER.replace('退款批次号/请求号', '退款批次号') },
      /no column 退款批次号\/请求号/,
    ],
    [
      'an unknown 业务类型',
      { rows: [row('1', 'pay_x', '冻结', '1.00', '2026-11-21 10:00:00')], totals: null },
      /unknown 业务类型 "冻结"/,
    ],
    [
      'a refund with a positive amount',
      { rows: [row('1', 'pay_x', '退款', '1.00', '2026-11-21 10:00:00', 're_x')], totals: null },
      /not a negative amount/,
    ],
    [
      'a payment with a negative amount',
      { rows: [row('1', 'pay_x', '交易', '-1.00', '2026-11-21 10:00:00')], totals: null },
      /not a positive amount/,
    ],
    [
      'a refund without its request number',
      { rows: [row('1', 'pay_x', '退款', '-1.00', '2026-11-21 10:00:00')], totals: null },
      /refund without 退款批次号/,
    ],
    [
      'a time that is not one',
      { rows: [row('1', 'pay_x', '交易', '1.00', '2026/11/21 10:00')], totals: null },
      /完成时间 "2026\/11\/21 10:00"/,
    ],
    ['a row with a field too many', { rows: [`${PAYMENT},extra`], totals: null }, /26 fields, the header 25/],
    [
      'rows that disagree with the totals',
      { rows: [PAYMENT] },
      /totals say 2 payments of 20.00 yuan, the rows 1 of 1999 fen/,
    ],
    ['no end marker', { end: false }, /lacks the 业务明细列表 markers/],
    [
      'no detail file at all',
      () => Buffer.from(zipSync({ 'readme.txt': strToU8('hello') })),
      /expected one #支付宝业务明细查询 file, found 0/,
    ],
  ])('%s is a format error, not retried', (_name, input, message) => {
    const zip = typeof input === 'function' ? (input() as Buffer) : billZip(detail(input));
    const error = (() => {
      try {
        parseAlipayTradeBill(readAlipayBillZip(zip), '2026-11-21');
      } catch (e) {
        return e;
      }
      throw new Error('parsed a malformed bill');
    })();
    expect(error).toBeInstanceOf(AlipayBillFormatError);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({
      retryable: false,
      providerCode: 'bill_format',
      message: expect.stringMatching(message),
    });
  });

  test.each<[string, (zip: Buffer) => Buffer, RegExp]>([
    ['an HTML error page', () => Buffer.from('<html><body>下载超时，请重新下载</body></html>'), /not a zip archive/],
    ['a download cut short', (zip) => zip.subarray(0, zip.length - 30), /no end of central directory/],
    [
      'a byte changed in the stored summary',
      (zip) => {
        const altered = Buffer.from(zip);
        const at = altered.indexOf(iconv.encode('合计', 'gbk'));
        altered[at + 6] ^= 0x01;
        return altered;
      },
      /fails its CRC-32 check/,
    ],
  ])('%s is damaged, and retryable', (_name, damage, message) => {
    const error = (() => {
      try {
        readAlipayBillZip(damage(billZip()));
      } catch (e) {
        return e;
      }
      throw new Error('read a damaged zip');
    })();
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(error).toMatchObject({
      retryable: true,
      providerCode: 'bill_download_damaged',
      message: expect.stringMatching(message),
    });
  });
});
