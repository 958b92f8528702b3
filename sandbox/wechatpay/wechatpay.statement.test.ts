import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { Wechatpay } from 'wechatpay-axios-plugin';
import { eventually, newOutTradeNo, startTestSandbox, type TestSandbox } from '../sandbox.testing';
import { openWechatpayAccount, type WechatpaySandboxAccount } from './wechatpay.testing';
import { chinaDate } from '../../domain/china-time';

// The simulated WeChat Pay's trade bill (交易账单) over APIv3: the two calls that hand it out,
// through wechatpay-axios-plugin as a merchant would call them. The bill is read here with a few
// lines of its own, not with the adapter's parser; the file's format alone is wechatpay.bill.test.ts.

/** Refunds settle after 60 s ÷ 600 = 100 ms. */
const TIME_SCALE = 600;

let sandbox: TestSandbox;

beforeAll(async () => {
  sandbox = await startTestSandbox({ timeScale: TIME_SCALE });
});

afterAll(async () => {
  await sandbox?.close();
});

const ALL_HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
const SUMMARY_HEADER = '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';

type Plugin = InstanceType<typeof Wechatpay>;

interface PluginAnswer {
  status: number;
  data: unknown;
  headers: Record<string, string>;
}

function pluginFor(account: WechatpaySandboxAccount, privateKey = account.merchant_private_key): Plugin {
  const certs: Record<string, string> = {};
  if (account.wechatpay_public_key_id && account.wechatpay_public_key)
    certs[account.wechatpay_public_key_id] = account.wechatpay_public_key;
  return new Wechatpay({
    mchid: account.mchid,
    serial: account.merchant_serial_no,
    privateKey,
    certs,
    baseURL: account.base_url,
  });
}

async function settle(call: Promise<unknown>): Promise<PluginAnswer> {
  try {
    return (await call) as PluginAnswer;
  } catch (error) {
    const response = (error as { response?: PluginAnswer }).response;
    if (!response) throw error;
    return response;
  }
}

const errorOf = (answer: PluginAnswer): unknown =>
  Buffer.isBuffer(answer.data) ? JSON.parse(answer.data.toString('utf8')) : answer.data;

interface TradeBillAnswer {
  hash_type: string;
  hash_value: string;
  download_url: string;
}

function tradebill(wxpay: Plugin, params: Record<string, string>): Promise<PluginAnswer> {
  return settle(wxpay.v3.bill.tradebill.get({ params } as never));
}

/** The download as the plugin does it for a merchant: the URL's path, its token as a parameter, bytes back. */
function download(wxpay: Plugin, downloadUrl: string): Promise<PluginAnswer> {
  const token = new URL(downloadUrl).searchParams.get('token');
  return settle(wxpay.v3.billdownload.file.get({ params: { token }, responseType: 'arraybuffer' } as never));
}

/** The bill's rows as cells by column name (back-quotes removed), and its summary likewise. */
function readBill(file: Buffer): {
  header: string;
  rows: Array<Record<string, string>>;
  summary: Record<string, string>;
} {
  const lines = file
    .toString('utf8')
    .replace(/^\ufeff/, '')
    .split('\r\n');
  expect(lines.pop()).toBe('');
  const header = lines[0].split(',');
  const cells = (line: string, names: string[]) =>
    Object.fromEntries(line.split(',').map((value, i) => [names[i], value.replace(/^`/, '')]));
  const summaryAt = lines.indexOf(SUMMARY_HEADER);
  expect(summaryAt).toBeGreaterThan(0);
  expect(lines).toHaveLength(summaryAt + 2);
  return {
    header: lines[0],
    rows: lines.slice(1, summaryAt).map((line) => cells(line, header)),
    summary: cells(lines[summaryAt + 1], SUMMARY_HEADER.split(',')),
  };
}

/** Applies for `date`'s bill and downloads it, checking what every bill must satisfy. */
async function fetchBill(wxpay: Plugin, date: string, extra: Record<string, string> = {}) {
  const applied = await tradebill(wxpay, { bill_date: date, bill_type: 'ALL', ...extra });
  expect(applied.status).toBe(200);
  const answer = applied.data as TradeBillAnswer;
  const downloaded = await download(wxpay, answer.download_url);
  expect(downloaded.status).toBe(200);
  return { answer, downloaded, bytes: downloaded.data as Buffer };
}

async function paidOrder(
  account: WechatpaySandboxAccount,
  total: number,
): Promise<{ outTradeNo: string; paidOn: string }> {
  const outTradeNo = newOutTradeNo('B');
  const created = await settle(
    pluginFor(account).v3.pay.transactions.native.post({
      appid: account.appid,
      mchid: account.mchid,
      description: '茶具 Tea set',
      out_trade_no: outTradeNo,
      notify_url: 'https://merchant.example/notify',
      amount: { total, currency: 'CNY' },
    }),
  );
  expect(created.status).toBe(200);
  const paid = await sandbox.control<{ paid_at: string }>('POST', '/_control/pay', {
    provider: 'wechatpay',
    out_trade_no: outTradeNo,
    account: account.mchid,
    outcome: 'success',
  });
  expect(paid.status).toBe(200);
  return { outTradeNo, paidOn: chinaDate(new Date(paid.body.paid_at)) };
}

/** Refunds `amount` and waits until it settled (a time-scaled minute); answers the China day it settled on. */
async function settledRefund(
  account: WechatpaySandboxAccount,
  outTradeNo: string,
  outRefundNo: string,
  amount: number,
  total: number,
): Promise<string> {
  const wxpay = pluginFor(account);
  const asked = await settle(
    wxpay.v3.refund.domestic.refunds.post({
      out_trade_no: outTradeNo,
      out_refund_no: outRefundNo,
      amount: { refund: amount, total, currency: 'CNY' },
    }),
  );
  expect(asked.status).toBe(200);
  const settled = await eventually(async () => {
    const queried = await settle(
      wxpay.v3.refund.domestic.refunds._out_refund_no_.get({ out_refund_no: outRefundNo } as never),
    );
    expect(queried.data).toMatchObject({ status: 'SUCCESS' });
    return queried.data as { success_time: string };
  });
  return chinaDate(new Date(settled.success_time));
}

const plantEdit = (account: WechatpaySandboxAccount, date: string, edit: Record<string, unknown>) =>
  sandbox.control('POST', '/_control/statement_edits', {
    provider: 'wechatpay',
    account: account.mchid,
    date,
    ...edit,
  });

describe('GET /v3/bill/tradebill and the download', () => {
  test('when an order is paid and partly refunded, then the signed answer gives a download whose SHA1 is hash_value, unsigned, with both rows in yuan', async () => {
    const account = await openWechatpayAccount(sandbox);
    const wxpay = pluginFor(account);
    const { outTradeNo, paidOn } = await paidOrder(account, 2590);
    const refundedOn = await settledRefund(account, outTradeNo, `${outTradeNo}R1`, 1000, 2590);

    // The plugin verified the answer's signature, and (the download being unsigned) skipped it there.
    const { answer, downloaded, bytes } = await fetchBill(wxpay, paidOn);
    expect(answer.hash_type).toBe('SHA1');
    expect(answer.download_url).toMatch(
      new RegExp(`^${account.base_url}/v3/billdownload/file\\?token=[\\w-]+\\.[\\w-]+$`),
    );
    expect(downloaded.headers['wechatpay-signature']).toBeUndefined();
    expect(downloaded.headers['content-type']).toMatch(/^text\/plain/);
    expect(createHash('sha1').update(bytes).digest('hex')).toBe(answer.hash_value);
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));

    const bill = readBill(bytes);
    expect(bill.header).toBe(ALL_HEADER);
    const record = (
      await sandbox.control<{ transaction_id: string; payer_openid: string; refunds: Array<{ refund_id: string }> }>(
        'GET',
        `/_control/trades/wechatpay/${outTradeNo}`,
      )
    ).body;
    const payment = bill.rows.find((row) => row['交易状态'] === 'SUCCESS');
    expect(payment).toMatchObject({
      公众账号ID: account.appid,
      商户号: account.mchid,
      微信订单号: record.transaction_id,
      商户订单号: outTradeNo,
      用户标识: record.payer_openid,
      交易类型: 'NATIVE',
      应结订单金额: '25.90',
      订单金额: '25.90',
      商品名称: '茶具 Tea set',
      手续费: '0.16000',
      费率: '0.60%',
    });
    expect(payment?.['交易时间']).toMatch(new RegExp(`^${paidOn} \\d{2}:\\d{2}:\\d{2}$`));
    if (refundedOn === paidOn) {
      expect(bill.rows).toHaveLength(2);
      expect(bill.rows[1]).toMatchObject({
        交易状态: 'REFUND',
        商户订单号: outTradeNo,
        微信订单号: record.transaction_id,
        微信退款单号: record.refunds[0].refund_id,
        商户退款单号: `${outTradeNo}R1`,
        退款金额: '10.00',
        申请退款金额: '10.00',
        退款类型: 'ORIGINAL',
        退款状态: 'SUCCESS',
        订单金额: '0.00',
        手续费: '-0.06000',
      });
      expect(bill.summary).toEqual({
        总交易单数: '2',
        应结订单总金额: '25.90',
        退款总金额: '10.00',
        充值券退款总金额: '0.00',
        手续费总金额: '0.10000',
        订单总金额: '25.90',
        申请退款总金额: '10.00',
      });
    } else {
      // Paid just before midnight (China time) and refunded after it: the refund is on the next day's bill.
      expect(bill.rows).toHaveLength(1);
      expect(readBill((await fetchBill(wxpay, refundedOn)).bytes).rows).toEqual([
        expect.objectContaining({ 交易状态: 'REFUND', 退款金额: '10.00' }),
      ]);
    }
  });

  test('tar_type=GZIP downloads the same bill compressed; hash_value is that of the uncompressed file', async () => {
    const account = await openWechatpayAccount(sandbox);
    const wxpay = pluginFor(account);
    const { paidOn } = await paidOrder(account, 100);
    const plain = await fetchBill(wxpay, paidOn);
    const zipped = await fetchBill(wxpay, paidOn, { tar_type: 'GZIP' });
    expect(zipped.answer.hash_value).toBe(plain.answer.hash_value);
    expect(zipped.downloaded.headers['content-type']).toBe('application/x-gzip');
    expect(gunzipSync(zipped.bytes).equals(plain.bytes)).toBe(true);
  });

  test('a day without payments or refunds is 400 NO_STATEMENT_EXIST; a malformed bill_date, bill_type or tar_type is PARAM_ERROR', async () => {
    const account = await openWechatpayAccount(sandbox);
    const wxpay = pluginFor(account);
    expect(await tradebill(wxpay, { bill_date: '2020-02-02', bill_type: 'ALL' })).toMatchObject({
      status: 400,
      data: { code: 'NO_STATEMENT_EXIST', message: '请求的账单文件不存在' },
    });
    // No sandbox merchant ever has 充值券 refunds.
    expect(await tradebill(wxpay, { bill_date: '2020-02-02', bill_type: 'RECHARGE_REFUND' })).toMatchObject({
      status: 400,
      data: { code: 'NO_STATEMENT_EXIST' },
    });
    expect(await tradebill(wxpay, { bill_date: '2020-02-30' })).toMatchObject({
      status: 400,
      data: { code: 'PARAM_ERROR', detail: { field: '/bill_date', location: 'query' } },
    });
    expect(await tradebill(wxpay, { bill_date: '20200202' })).toMatchObject({
      status: 400,
      data: { code: 'PARAM_ERROR' },
    });
    expect(await tradebill(wxpay, { bill_date: '2020-02-02', bill_type: 'EVERYTHING' })).toMatchObject({
      status: 400,
      data: { code: 'PARAM_ERROR', detail: { field: '/bill_type' } },
    });
    expect(await tradebill(wxpay, { bill_date: '2020-02-02', tar_type: 'ZIP' })).toMatchObject({
      status: 400,
      data: { code: 'PARAM_ERROR', detail: { field: '/tar_type' } },
    });

    // A payment makes the day's ALL and SUCCESS bills, but not its REFUND bill.
    const { paidOn } = await paidOrder(account, 100);
    expect(await tradebill(wxpay, { bill_date: paidOn, bill_type: 'SUCCESS' })).toMatchObject({ status: 200 });
    expect(await tradebill(wxpay, { bill_date: paidOn, bill_type: 'REFUND' })).toMatchObject({
      status: 400,
      data: { code: 'NO_STATEMENT_EXIST' },
    });
  });

  test('planted edits show in the bill: a dropped payment is gone, an amount is changed, a made-up order appears', async () => {
    const account = await openWechatpayAccount(sandbox);
    const wxpay = pluginFor(account);
    const kept = await paidOrder(account, 1000);
    const dropped = await paidOrder(account, 2000);
    const changed = await paidOrder(account, 3000);
    const day = kept.paidOn;
    // Should midnight (China time) fall between the payments, the edits name each payment's own day.
    expect((await plantEdit(account, dropped.paidOn, { edit: 'drop', out_trade_no: dropped.outTradeNo })).status).toBe(
      201,
    );
    expect(
      (await plantEdit(account, changed.paidOn, { edit: 'amount', out_trade_no: changed.outTradeNo, amount: 2999 }))
        .status,
    ).toBe(201);
    expect((await plantEdit(account, day, { edit: 'add', out_trade_no: 'NEVER_SENT_1', amount: 777 })).status).toBe(
      201,
    );

    const { answer, bytes } = await fetchBill(wxpay, day);
    expect(createHash('sha1').update(bytes).digest('hex')).toBe(answer.hash_value);
    const bill = readBill(bytes);
    const amounts = Object.fromEntries(bill.rows.map((row) => [row['商户订单号'], row['订单金额']]));
    expect(amounts[kept.outTradeNo]).toBe('10.00');
    expect(amounts).not.toHaveProperty(dropped.outTradeNo);
    if (changed.paidOn === day) expect(amounts[changed.outTradeNo]).toBe('29.99');
    expect(amounts.NEVER_SENT_1).toBe('7.77');
    const madeUp = bill.rows.find((row) => row['商户订单号'] === 'NEVER_SENT_1');
    expect(madeUp).toMatchObject({ 商户号: account.mchid, 公众账号ID: account.appid, 交易状态: 'SUCCESS' });
    expect(madeUp?.['微信订单号']).toMatch(/^4200\d{24}$/);
    expect(Number(bill.summary['总交易单数'])).toBe(bill.rows.length);
  });

  test('the download URL belongs to its merchant and its moment: another merchant gets 403 NO_AUTH, a forged token 400, and an edit planted after the URL was given stays out of the file', async () => {
    const account = await openWechatpayAccount(sandbox);
    const other = await openWechatpayAccount(sandbox);
    const wxpay = pluginFor(account);
    const { paidOn } = await paidOrder(account, 500);
    const applied = await tradebill(wxpay, { bill_date: paidOn });
    const { download_url: url, hash_value: hash } = applied.data as TradeBillAnswer;

    const byOther = await download(pluginFor(other), url);
    expect(byOther.status).toBe(403);
    expect(errorOf(byOther)).toMatchObject({ code: 'NO_AUTH' });
    const token = new URL(url).searchParams.get('token') as string;
    const forged = `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()), d: '2020-01-01' })).toString('base64url')}.${token.split('.')[1]}`;
    const refused = await download(wxpay, `${account.base_url}/v3/billdownload/file?token=${forged}`);
    expect(refused.status).toBe(400);
    expect(errorOf(refused)).toMatchObject({ code: 'INVALID_REQUEST' });
    // The download needs a signed request, as every APIv3 call does.
    const unsigned = await fetch(url);
    expect(unsigned.status).toBe(401);

    expect((await plantEdit(account, paidOn, { edit: 'add', out_trade_no: 'LATE_EDIT_1', amount: 100 })).status).toBe(
      201,
    );
    const first = await download(wxpay, url);
    expect(
      createHash('sha1')
        .update(first.data as Buffer)
        .digest('hex'),
    ).toBe(hash);
    expect((first.data as Buffer).toString('utf8')).not.toContain('LATE_EDIT_1');
    const next = await fetchBill(wxpay, paidOn);
    expect(next.bytes.toString('utf8')).toContain('`LATE_EDIT_1,');
  });

  test('faults: system_error on the download is a signed 500 SYSTEM_ERROR, once', async () => {
    const account = await openWechatpayAccount(sandbox);
    const wxpay = pluginFor(account);
    const { paidOn } = await paidOrder(account, 500);
    const applied = await tradebill(wxpay, { bill_date: paidOn });
    await sandbox.control('POST', '/_control/faults', {
      provider: 'wechatpay',
      account: account.mchid,
      api: { fail: 'system_error', methods: ['GET /v3/billdownload/file'], times: 1 },
    });
    const failed = await download(wxpay, (applied.data as TradeBillAnswer).download_url);
    expect(failed.status).toBe(500);
    expect(errorOf(failed)).toMatchObject({ code: 'SYSTEM_ERROR' });
    expect(failed.headers['wechatpay-signature']).toEqual(expect.any(String));
    expect((await download(wxpay, (applied.data as TradeBillAnswer).download_url)).status).toBe(200);
  });
});
