import { AlipaySdk } from 'alipay-sdk';
import { unzipSync } from 'fflate';
import iconv from 'iconv-lite';
import pino from 'pino';
import {
  newOutTradeNo,
  openAlipayAccount,
  startTestSandbox,
  type AlipaySandboxAccount,
  type TestSandbox,
} from '../sandbox.testing';
import type { SimulatorContext } from '../simulator';
import type { AlipaySandboxSecrets } from './alipay.model';
import { billDownloadUrl, downloadBill } from './alipay.statement';
import { chinaDate } from '../../domain/china-time';

// The simulated trade bill as a merchant's reconciliation would read it: the download URL through
// the official alipay-sdk, the zip through fflate (not the sandbox's own code), the CSV as GBK.

const DETAIL_HEADER =
  '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注';
const SUMMARY_HEADER =
  '门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）,支付宝优惠（元）,商家优惠（元）,卡消费金额（元）,服务费（元）,分润（元）,实收净额（元）';

let sandbox: TestSandbox;

beforeAll(async () => {
  sandbox = await startTestSandbox();
});

afterAll(async () => {
  await sandbox?.close();
});

function sdkFor(account: AlipaySandboxAccount): AlipaySdk {
  return new AlipaySdk({
    appId: account.app_id,
    privateKey: account.merchant_private_key,
    alipayPublicKey: account.alipay_public_key,
    gateway: account.gateway,
    camelcase: false,
  });
}

const billQuery = (sdk: AlipaySdk, bizContent: Record<string, unknown>) =>
  sdk.exec('alipay.data.dataservice.bill.downloadurl.query', { bizContent }, { validateSign: true });

const control = async (path: string, body: Record<string, unknown>) => {
  const response = await sandbox.control('POST', path, body);
  if (response.status >= 300) throw new Error(`${path}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
};

interface TradeRecord {
  trade_no: string;
  created_at: string;
  paid_at: string;
  buyer_logon_id: string;
  refunds: Array<{ out_request_no: string; created_at: string }>;
}
const tradeRecord = async (outTradeNo: string) =>
  (await sandbox.control<TradeRecord>('GET', `/_control/trades/alipay/${outTradeNo}`)).body;

/** A precreated order, paid through the control API. */
async function paidTrade(sdk: AlipaySdk, amount: string, subject = '茶具 Tea set'): Promise<string> {
  const outTradeNo = newOutTradeNo('bill');
  const created = await sdk.exec(
    'alipay.trade.precreate',
    { bizContent: { out_trade_no: outTradeNo, total_amount: amount, subject } },
    { validateSign: true },
  );
  expect(created.code).toBe('10000');
  await control('/_control/pay', { provider: 'alipay', out_trade_no: outTradeNo, outcome: 'success' });
  return outTradeNo;
}

async function refund(sdk: AlipaySdk, outTradeNo: string, amount: string, outRequestNo: string): Promise<void> {
  const answer = await sdk.exec(
    'alipay.trade.refund',
    { bizContent: { out_trade_no: outTradeNo, refund_amount: amount, out_request_no: outRequestNo } },
    { validateSign: true },
  );
  expect(answer).toMatchObject({ code: '10000', fund_change: 'Y' });
}

const formatChina = (iso: string) =>
  new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');

interface UnzippedBill {
  names: string[];
  /** The raw bytes of each entry, by name. */
  raw: Record<string, Buffer>;
  /** Each entry decoded as GBK, split into lines. */
  lines: Record<string, string[]>;
}

/** Unzips with fflate, which reads names without the UTF-8 flag as Latin-1: their bytes are GBK. */
function unzipBill(zip: Buffer): UnzippedBill {
  const files = unzipSync(new Uint8Array(zip));
  const bill: UnzippedBill = { names: [], raw: {}, lines: {} };
  for (const [latin1Name, data] of Object.entries(files)) {
    const name = iconv.decode(Buffer.from(latin1Name, 'latin1'), 'gbk');
    bill.names.push(name);
    bill.raw[name] = Buffer.from(data);
    const text = iconv.decode(Buffer.from(data), 'gbk');
    expect(text.endsWith('\r\n')).toBe(true);
    bill.lines[name] = text.slice(0, -2).split('\r\n');
  }
  return bill;
}

async function fetchBill(account: AlipaySandboxAccount, date: string): Promise<{ url: string; zip: Buffer }> {
  const answer = await billQuery(sdkFor(account), { bill_type: 'trade', bill_date: date });
  expect(answer).toMatchObject({ code: '10000', msg: 'Success' });
  const url = answer.bill_download_url as string;
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/octet-stream');
  return { url, zip: Buffer.from(await response.arrayBuffer()) };
}

describe('the bill download URL (alipay.data.dataservice.bill.downloadurl.query)', () => {
  test('a day with a payment and a partial refund answers a signed, unguessable link shaped like Alipay’s', async () => {
    const account = await openAlipayAccount(sandbox);
    const sdk = sdkFor(account);
    const outTradeNo = await paidTrade(sdk, '19.99');
    await refund(sdk, outTradeNo, '5.00', 'r1');
    const date = chinaDate(new Date((await tradeRecord(outTradeNo)).paid_at));

    const { url } = await fetchBill(account, date);
    const link = new URL(url);
    expect(`${link.origin}${link.pathname}`).toBe(`${sandbox.url}/alipay/downloadBillFile.resource`);
    const userId = `${account.seller_id}0156`;
    const day = date.replaceAll('-', '');
    expect(Object.fromEntries(link.searchParams)).toMatchObject({
      bizType: 'trade',
      userId,
      fileType: 'csv.zip',
      bizDates: day,
      downloadFileName: `${userId}_${day}.csv.zip`,
      fileId: `/trade/${userId}/${day}.csv.zip`,
      appId: account.app_id,
      token: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    // Two links for the same day differ: the time of issue is part of the token.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const again = new URL((await fetchBill(account, date)).url);
    expect(again.searchParams.get('token')).not.toBe(link.searchParams.get('token'));
  });

  test('a day without transactions answers isp.bill_not_exist; later days, months and other bill types are refused', async () => {
    const account = await openAlipayAccount(sandbox);
    const sdk = sdkFor(account);
    expect(await billQuery(sdk, { bill_type: 'trade', bill_date: '2024-01-02' })).toMatchObject({
      code: '40004',
      msg: 'Business Failed',
      sub_code: 'isp.bill_not_exist',
      sub_msg: '账单不存在',
    });
    expect(await billQuery(sdk, { bill_type: 'trade', bill_date: chinaDate(new Date()) })).toMatchObject({
      sub_code: 'isp.bill_not_exist',
    });
    const tomorrow = chinaDate(new Date(Date.now() + 86_400_000));
    for (const biz of [
      { bill_type: 'trade', bill_date: tomorrow },
      { bill_type: 'trade', bill_date: '2024-01' },
      { bill_type: 'trade', bill_date: '2024-02-30' },
      { bill_type: 'trade' },
      { bill_type: 'signcustomer', bill_date: '2024-01-02' },
    ]) {
      expect(await billQuery(sdk, biz)).toMatchObject({ code: '40004', sub_code: 'isv.invalid_arguments' });
    }
  });
});

describe('the bill file', () => {
  test('a zip of two GBK CSV files named <userId>_<yyyymmdd>_业务明细.csv and …(汇总).csv, with GBK names', async () => {
    const account = await openAlipayAccount(sandbox);
    const sdk = sdkFor(account);
    const outTradeNo = await paidTrade(sdk, '19.99');
    const date = chinaDate(new Date((await tradeRecord(outTradeNo)).paid_at));
    const { zip } = await fetchBill(account, date);

    const userId = `${account.seller_id}0156`;
    const day = date.replaceAll('-', '');
    const detailName = `${userId}_${day}_业务明细.csv`;
    const summaryName = `${userId}_${day}_业务明细(汇总).csv`;
    expect(zip.subarray(0, 4)).toEqual(Buffer.from('PK\x03\x04', 'latin1'));
    // General purpose flag bit 11 off: the names are not UTF-8, they are the GBK bytes.
    expect(zip.readUInt16LE(6) & 0x800).toBe(0);
    expect(zip.includes(iconv.encode(detailName, 'gbk'))).toBe(true);
    expect(zip.includes(Buffer.from(detailName, 'utf8'))).toBe(false);

    const bill = unzipBill(zip);
    expect(bill.names.sort()).toEqual([detailName, summaryName].sort());
    const raw = bill.raw[detailName];
    expect(raw.includes(iconv.encode('#支付宝业务明细查询', 'gbk'))).toBe(true);
    expect(raw.includes(Buffer.from('支付宝', 'utf8'))).toBe(false);
    expect(raw.subarray(0, 3)).not.toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });

  test('the detail lists the payment and the refund (negative, with its request number) under Alipay’s headers and totals', async () => {
    const account = await openAlipayAccount(sandbox);
    const sdk = sdkFor(account);
    const outTradeNo = await paidTrade(sdk, '19.99', '茶具 Tea set');
    await refund(sdk, outTradeNo, '5.00', `re${outTradeNo}`);
    const record = await tradeRecord(outTradeNo);
    const date = chinaDate(new Date(record.paid_at));
    // A refund made after China midnight lands on the next day's bill: only test on one day.
    expect(chinaDate(new Date(record.refunds[0].created_at))).toBe(date);
    const { zip } = await fetchBill(account, date);
    const bill = unzipBill(zip);
    const userId = `${account.seller_id}0156`;
    const day = date.replaceAll('-', '');
    const detail = bill.lines[`${userId}_${day}_业务明细.csv`];
    const next = new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const chinese = (d: string) => `${d.slice(0, 4)}年${d.slice(5, 7)}月${d.slice(8, 10)}日 00:00:00`;

    expect(detail.slice(0, 5)).toEqual([
      '#支付宝业务明细查询',
      `#账号：[${userId}]`,
      `#起始日期：[${chinese(date)}]   终止日期：[${chinese(next)}]`,
      '#-----------------------------------------业务明细列表----------------------------------------',
      DETAIL_HEADER,
    ]);
    const created = formatChina(record.created_at);
    const paid = formatChina(record.paid_at);
    const refunded = formatChina(record.refunds[0].created_at);
    const buyer = `${record.buyer_logon_id}\t`;
    expect(detail[5].split(',')).toEqual([
      `${record.trade_no}\t`,
      `${outTradeNo}\t`,
      '交易\t',
      '茶具 Tea set',
      created,
      paid,
      '\t',
      '\t',
      '\t',
      '\t',
      buyer,
      '19.99',
      '19.99',
      '0.00',
      '0.00',
      '0.00',
      '0.00',
      '0.00',
      '',
      '0.00\t',
      '0.00',
      '\t',
      '0.00',
      '0.00',
      '',
    ]);
    expect(detail[6].split(',')).toEqual([
      `${record.trade_no}\t`,
      `${outTradeNo}\t`,
      '退款\t',
      '茶具 Tea set',
      created,
      refunded,
      '\t',
      '\t',
      '\t',
      '\t',
      buyer,
      '-5.00',
      '-5.00',
      '0.00',
      '0.00',
      '0.00',
      '0.00',
      '0.00',
      '',
      '0.00\t',
      '0.00',
      `re${outTradeNo}\t`,
      '0.00',
      '0.00',
      '',
    ]);
    expect(detail.slice(7, 10)).toEqual([
      '#-----------------------------------------业务明细列表结束------------------------------------',
      '#交易合计：1笔，商家实收共19.99元，商家优惠共0.00元',
      '#退款合计：1笔，商家实收退款共-5.00元，商家优惠退款共0.00元',
    ]);
    expect(detail[10]).toMatch(/^#导出时间：\[\d{4}年\d{2}月\d{2}日 \d{2}:\d{2}:\d{2}\]$/);
    expect(detail).toHaveLength(11);

    expect(bill.lines[`${userId}_${day}_业务明细(汇总).csv`]).toEqual([
      '#支付宝业务汇总查询',
      `#账号：[${userId}]`,
      `#起始日期：[${chinese(date)}]   终止日期：[${chinese(next)}]`,
      '#-----------------------------------------业务汇总列表----------------------------------------',
      SUMMARY_HEADER,
      '合计,,1,1,14.99,14.99,0.00,0.00,0.00,0.00,0.00,14.99',
      '#----------------------------------------业务汇总列表结束-------------------------------------',
      detail[10],
    ]);
  });

  test('edits planted through the control API show: a payment dropped, a refund at another amount, a payment made up', async () => {
    const account = await openAlipayAccount(sandbox);
    const sdk = sdkFor(account);
    const kept = await paidTrade(sdk, '30.00');
    const dropped = await paidTrade(sdk, '12.00');
    await refund(sdk, kept, '10.00', 'rk1');
    const date = chinaDate(new Date((await tradeRecord(kept)).paid_at));
    const madeUp = newOutTradeNo('ghost');
    const edit = (body: Record<string, unknown>) =>
      control('/_control/statement_edits', { provider: 'alipay', account: account.app_id, date, ...body });
    await edit({ edit: 'drop', out_trade_no: dropped });
    await edit({ edit: 'amount', out_trade_no: kept, out_refund_no: 'rk1', amount: 900 });
    await edit({ edit: 'add', out_trade_no: madeUp, amount: 4321 });

    const bill = unzipBill((await fetchBill(account, date)).zip);
    const detail = bill.lines[`${account.seller_id}0156_${date.replaceAll('-', '')}_业务明细.csv`];
    const rows = detail
      .slice(
        5,
        detail.findIndex((line) => line.includes('业务明细列表结束')),
      )
      .map((line) => line.split(','));
    const summary = rows.map((row) => [row[1].trim(), row[2].trim(), row[11], row[12], row[21].trim()]);
    expect(summary).toEqual(
      expect.arrayContaining([
        [kept, '交易', '30.00', '30.00', ''],
        [kept, '退款', '-9.00', '-9.00', 'rk1'],
        [madeUp, '交易', '43.21', '43.21', ''],
      ]),
    );
    expect(summary).toHaveLength(3);
    expect(rows.some((row) => row[1].trim() === dropped)).toBe(false);
    const ghost = rows.find((row) => row[1].trim() === madeUp) as string[];
    expect(ghost[0]).toMatch(new RegExp(`^${date.replaceAll('-', '')}22001\\d{15}\t$`));
    expect(ghost[5].startsWith(date)).toBe(true);
    expect(detail).toContain('#交易合计：2笔，商家实收共73.21元，商家优惠共0.00元');
    expect(detail).toContain('#退款合计：1笔，商家实收退款共-9.00元，商家优惠退款共0.00元');
  });
});

describe('the download link', () => {
  /** Just what downloadBill reads from the context: one account, no trades, one planted line. */
  function stubContext(secrets: AlipaySandboxSecrets): SimulatorContext {
    return {
      logger: pino({ level: 'silent' }),
      accounts: {
        get: async (_p: string, id: string) =>
          id === secrets.app_id ? { provider: 'alipay', accountId: id, secrets, createdAt: new Date() } : null,
      },
      trades: { forAccount: async () => [] },
      statementEdits: { forDay: async () => [{ edit: 'add', outTradeNo: 'o1', outRefundNo: null, amountFen: 100 }] },
    } as unknown as SimulatorContext;
  }
  const secrets: AlipaySandboxSecrets = {
    app_id: '2021000000000001',
    seller_id: '2088000000000001',
    merchant_public_key: '',
    platform_private_key: 'the app’s Alipay private key',
    platform_public_key: '',
  };
  const issuedAt = new Date('2026-11-22T02:00:00Z');
  const query = (url: string) => Object.fromEntries(new URL(url).searchParams);

  test('works for 30 seconds after it was issued, then answers 下载超时，请重新下载', async () => {
    const link = query(billDownloadUrl('http://127.0.0.1:1', secrets, '2026-11-21', issuedAt));
    const at = (ms: number) => downloadBill(stubContext(secrets), link, new Date(issuedAt.getTime() + ms));
    expect((await at(0)).status).toBe(200);
    expect((await at(29_999)).status).toBe(200);
    expect(await at(30_001)).toMatchObject({ status: 403, body: '下载超时，请重新下载' });
  });

  test('refuses a link whose token, day, time or app was altered', async () => {
    const link = query(billDownloadUrl('http://127.0.0.1:1', secrets, '2026-11-21', issuedAt));
    const context = stubContext(secrets);
    const flip = (hex: string) => `${hex.slice(0, -1)}${hex.endsWith('0') ? '1' : '0'}`;
    for (const altered of [
      { ...link, token: flip(link.token) },
      { ...link, bizDates: '20261120' },
      { ...link, timestamp: String(Number(link.timestamp) + 1000) },
      { ...link, appId: '2021000000000002' },
      { ...link, token: undefined },
    ]) {
      expect(await downloadBill(context, altered, issuedAt)).toMatchObject({ status: 403, body: '下载链接无效' });
    }
    const otherKey = { ...secrets, platform_private_key: 'another key' };
    const forged = query(billDownloadUrl('http://127.0.0.1:1', otherKey, '2026-11-21', issuedAt));
    expect(await downloadBill(context, forged, issuedAt)).toMatchObject({ status: 403, body: '下载链接无效' });
  });
});
