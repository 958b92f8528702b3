import { inflateSync } from 'node:zlib';
import { unzipSync } from 'fflate';
import iconv from 'iconv-lite';
import { toUnionpayTime } from '../../providers/unionpay/unionpay.mapping';
import { eventually, newOutTradeNo } from '../sandbox.testing';
import {
  answerOf,
  type Merchant,
  openMerchant,
  post,
  receiver,
  sandbox,
  signed,
  useConformanceSandbox,
} from './unionpay.conformance.testing';
import { settleDayOf, ZM_FIELDS, zmRecord } from './unionpay.statement';
import { chinaDate } from '../../domain/china-time';

// The daily statement a merchant downloads with ACP's file transfer (txnType 76), read the way
// UnionPay's demo code reads it: base64, inflate (zlib), unzip, then the ZM file's fixed-width
// GBK records. The byte offsets below are counted from the published widths by hand, not taken
// from the simulator's table, so that a slip in either shows here.

/** A refund settles 10 s ÷ this after UnionPay accepts it: 10 ms. */
const TIME_SCALE = 1000;

useConformanceSandbox(TIME_SCALE);

/** A consume of `amount` fen, paid with the test card; its record in the sandbox. */
async function paidConsume(merchant: Merchant, amount: number): Promise<Record<string, string>> {
  const orderId = newOutTradeNo('C');
  const form = signed(merchant, {
    txnType: '01',
    txnSubType: '01',
    bizType: '000201',
    channelType: '07',
    orderId,
    txnTime: toUnionpayTime(new Date()),
    txnAmt: String(amount),
    currencyCode: '156',
    backUrl: `${receiver.url}/${orderId}`,
    payTimeout: toUnionpayTime(new Date(Date.now() + 15 * 60_000)),
  });
  expect((await post('frontTransReq', form)).status).toBe(302);
  expect(
    (
      await sandbox.control('POST', '/_control/pay', {
        provider: 'unionpay',
        out_trade_no: orderId,
        outcome: 'success',
      })
    ).status,
  ).toBe(200);
  return (await sandbox.control<Record<string, string>>('GET', `/_control/trades/unionpay/${orderId}`)).body;
}

/** A refund of `amount` fen of the consume, waited for until it settled. */
async function settledRefund(merchant: Merchant, consume: Record<string, string>, amount: number): Promise<string> {
  const orderId = `${consume.order_id}R${Math.random().toString(36).slice(2, 6)}`;
  const form = signed(merchant, {
    txnType: '04',
    txnSubType: '00',
    bizType: '000201',
    channelType: '07',
    orderId,
    txnTime: toUnionpayTime(new Date()),
    txnAmt: String(amount),
    origQryId: consume.query_id,
    backUrl: `${receiver.url}/${orderId}`,
    reqReserved: consume.order_id,
  });
  expect((await answerOf(await post('backTransReq', form), merchant)).respCode).toBe('00');
  await eventually(async () => {
    const trade = (
      await sandbox.control<{ refunds: Array<{ order_id: string; state: string }> }>(
        'GET',
        `/_control/trades/unionpay/${consume.order_id}`,
      )
    ).body;
    expect(trade.refunds.find((r) => r.order_id === orderId)?.state).toBe('SUCCEEDED');
  });
  return orderId;
}

const settleDateOf = (date: string) => date.slice(5).replace('-', '');

const fileRequest = (merchant: Merchant, date: string, overrides: Record<string, string> = {}) =>
  signed(merchant, {
    txnType: '76',
    txnSubType: '01',
    bizType: '000000',
    txnTime: toUnionpayTime(new Date()),
    fileType: '00',
    settleDate: settleDateOf(date),
    ...overrides,
  });

/** The ZM file's lines, as GBK bytes, from an answer's fileContent. */
function zmLines(answer: Record<string, string>, merId: string, date: string): Buffer[] {
  const files = unzipSync(inflateSync(Buffer.from(answer.fileContent, 'base64')));
  const yymmdd = date.slice(2).replaceAll('-', '');
  expect(Object.keys(files).sort()).toEqual([`INN${yymmdd}88ZME_${merId}`, `INN${yymmdd}88ZM_${merId}`]);
  const zm = Buffer.from(files[`INN${yymmdd}88ZM_${merId}`]);
  expect(zm.subarray(-2).toString()).toBe('\r\n');
  return zm
    .toString('latin1')
    .split('\r\n')
    .filter((line) => line.length > 0)
    .map((line) => Buffer.from(line, 'latin1'));
}

/** A field at its 0-based byte offset and width, as UnionPay's parsers cut it (GBK, trimmed). */
const at = (line: Buffer, start: number, width: number) =>
  iconv.decode(line.subarray(start, start + width), 'gbk').trim();

/** The fields the adapter reads, at their offsets in the 42-field layout. */
function readRecord(line: Buffer) {
  return {
    txnCode: at(line, 0, 3),
    traceNo: at(line, 28, 6),
    traceTime: at(line, 35, 10),
    accNo: at(line, 46, 19),
    txnAmt: at(line, 66, 12),
    queryId: at(line, 87, 21),
    orderId: at(line, 112, 32),
    origTraceNo: at(line, 148, 6),
    origTraceTime: at(line, 155, 10),
    merFee: at(line, 166, 13),
    settleAmt: at(line, 180, 13),
    txnType: at(line, 215, 2),
    txnSubType: at(line, 218, 2),
    bizType: at(line, 221, 6),
    origQryId: at(line, 271, 21),
    merId: at(line, 293, 15),
    settleNetAmt: at(line, 374, 13),
    merReserved: at(line, 397, 32),
    origOrderId: at(line, 476, 32),
  };
}

/** 42 fields, widths adding up to 566, and 41 separators. */
const RECORD_BYTES = 607;

describe('the file transfer (txnType 76) of a day with a paid consume and a settled refund', () => {
  test('answers 00 with fileName and fileContent, signed like every answer; the ZM file lists both at UnionPay’s offsets', async () => {
    const merchant = await openMerchant();
    const consume = await paidConsume(merchant, 1999);
    const refundId = await settledRefund(merchant, consume, 500);
    const date = chinaDate(new Date(consume.paid_at));

    const answer = await answerOf(await post('fileTransRequest', fileRequest(merchant, date)), merchant);
    expect(answer).toMatchObject({
      respCode: '00',
      txnType: '76',
      txnSubType: '01',
      bizType: '000000',
      merId: merchant.merId,
      settleDate: settleDateOf(date),
      fileType: '00',
      fileName: `${merchant.merId}_${date.replaceAll('-', '')}.zip`,
    });
    const lines = zmLines(answer, merchant.merId, date);
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toHaveLength(RECORD_BYTES);

    const trade = (
      await sandbox.control<{ trace_no: string; refunds: Array<{ query_id: string }> }>(
        'GET',
        `/_control/trades/unionpay/${consume.order_id}`,
      )
    ).body;
    expect(readRecord(lines[0])).toEqual({
      txnCode: 'S22',
      traceNo: trade.trace_no,
      traceTime: expect.stringMatching(/^\d{10}$/),
      accNo: '621626*********0018',
      txnAmt: '000000001999',
      queryId: consume.query_id,
      orderId: consume.order_id,
      origTraceNo: '',
      origTraceTime: '',
      merFee: 'D000000000000',
      settleAmt: 'C000000001999',
      txnType: '01',
      txnSubType: '01',
      bizType: '000201',
      origQryId: '',
      merId: merchant.merId,
      settleNetAmt: 'C000000001999',
      merReserved: '',
      origOrderId: '',
    });
    expect(readRecord(lines[1])).toEqual({
      txnCode: 'S30',
      traceNo: expect.stringMatching(/^\d{6}$/),
      traceTime: expect.stringMatching(/^\d{10}$/),
      accNo: '621626*********0018',
      txnAmt: '000000000500',
      queryId: trade.refunds[0].query_id,
      orderId: refundId,
      origTraceNo: trade.trace_no,
      origTraceTime: readRecord(lines[0]).traceTime,
      merFee: 'C000000000000',
      settleAmt: 'D000000000500',
      txnType: '04',
      txnSubType: '00',
      bizType: '000201',
      origQryId: consume.query_id,
      merId: merchant.merId,
      settleNetAmt: 'D000000000500',
      merReserved: consume.order_id,
      origOrderId: consume.order_id,
    });
    // 交易传输时间 is the China time of the charge, MMDDhhmmss.
    expect(readRecord(lines[0]).traceTime.slice(0, 4)).toBe(settleDateOf(date));
  });

  test('a consume the shopper has not paid is not in the file', async () => {
    const merchant = await openMerchant();
    const consume = await paidConsume(merchant, 800);
    const unpaid = newOutTradeNo('C');
    const form = signed(merchant, {
      txnType: '01',
      txnSubType: '01',
      bizType: '000201',
      channelType: '08',
      orderId: unpaid,
      txnTime: toUnionpayTime(new Date()),
      txnAmt: '300',
      currencyCode: '156',
      backUrl: `${receiver.url}/${unpaid}`,
    });
    expect((await post('frontTransReq', form)).status).toBe(302);
    const date = chinaDate(new Date(consume.paid_at));
    const answer = await answerOf(await post('fileTransRequest', fileRequest(merchant, date)), merchant);
    expect(zmLines(answer, merchant.merId, date).map((line) => readRecord(line).orderId)).toEqual([consume.order_id]);
  });
});

describe('edits planted through the control API', () => {
  test('drop, amount and add show in the file UnionPay serves', async () => {
    const merchant = await openMerchant();
    const kept = await paidConsume(merchant, 1000);
    const dropped = await paidConsume(merchant, 2000);
    const refundId = await settledRefund(merchant, kept, 300);
    const date = chinaDate(new Date(kept.paid_at));
    const edit = (body: Record<string, unknown>) =>
      sandbox.control('POST', '/_control/statement_edits', {
        provider: 'unionpay',
        account: merchant.merId,
        date,
        ...body,
      });
    expect((await edit({ edit: 'drop', out_trade_no: dropped.order_id })).status).toBe(201);
    expect(
      (await edit({ edit: 'amount', out_trade_no: kept.order_id, out_refund_no: refundId, amount: 299 })).status,
    ).toBe(201);
    expect((await edit({ edit: 'add', out_trade_no: 'payNeverSent0001', amount: 4242 })).status).toBe(201);

    const answer = await answerOf(await post('fileTransRequest', fileRequest(merchant, date)), merchant);
    const records = zmLines(answer, merchant.merId, date).map(readRecord);
    expect(records.map((r) => [r.txnCode, r.orderId, r.txnAmt, r.settleAmt])).toEqual([
      ['S22', kept.order_id, '000000001000', 'C000000001000'],
      ['S30', refundId, '000000000299', 'D000000000299'],
      ['S22', 'payNeverSent0001', '000000004242', 'C000000004242'],
    ]);
    // The made-up line looks like any other: a queryId, a trace number, a time on that day.
    expect(records[2]).toMatchObject({
      queryId: expect.stringMatching(/^\d{21}$/),
      traceNo: expect.stringMatching(/^\d{6}$/),
      traceTime: expect.stringMatching(new RegExp(`^${settleDateOf(date)}12`)),
    });
  });
});

describe('a day without a file', () => {
  test('a merchant with no transactions that day gets 98 文件不存在, signed, and no fileContent', async () => {
    const merchant = await openMerchant();
    const answer = await answerOf(
      await post('fileTransRequest', fileRequest(merchant, chinaDate(new Date()))),
      merchant,
    );
    expect(answer).toMatchObject({
      respCode: '98',
      respMsg: expect.stringMatching(/^文件不存在/),
      settleDate: settleDateOf(chinaDate(new Date())),
    });
    expect(answer.fileContent).toBeUndefined();
  });

  test('a day whose every line was dropped has no file either', async () => {
    const merchant = await openMerchant();
    const consume = await paidConsume(merchant, 100);
    const date = chinaDate(new Date(consume.paid_at));
    await sandbox.control('POST', '/_control/statement_edits', {
      provider: 'unionpay',
      account: merchant.merId,
      date,
      edit: 'drop',
      out_trade_no: consume.order_id,
    });
    expect((await answerOf(await post('fileTransRequest', fileRequest(merchant, date)), merchant)).respCode).toBe('98');
  });
});

describe('requests UnionPay refuses', () => {
  test.each<[string, Record<string, string>, string]>([
    ['another txnSubType', { txnSubType: '02' }, '10'],
    ['another bizType', { bizType: '000201' }, '10'],
    ['a settleDate that is no day', { settleDate: '0230' }, '10'],
    ['a settleDate of another shape', { settleDate: '20300101' }, '10'],
    ['a fileType the sandbox does not make', { fileType: '01' }, '32'],
  ])('%s %j: respCode %s', async (_name, change, respCode) => {
    const merchant = await openMerchant();
    const answer = await answerOf(
      await post('fileTransRequest', fileRequest(merchant, chinaDate(new Date()), change)),
      merchant,
    );
    expect(answer.respCode).toBe(respCode);
  });

  test('a request signed with a key that is not the merchant’s: 11', async () => {
    const merchant = await openMerchant();
    const other = await openMerchant();
    const form = fileRequest(
      { ...merchant, signing: { ...merchant.signing, privateKey: other.signing.privateKey } },
      chinaDate(new Date()),
    );
    expect((await answerOf(await post('fileTransRequest', form), merchant)).respCode).toBe('11');
  });
});

describe('the record layout', () => {
  test('is the 42 fields of 6.1, 566 bytes of data and a space after each field but the last', () => {
    expect(ZM_FIELDS).toHaveLength(42);
    expect(ZM_FIELDS.map(([, width]) => width)).toEqual([
      3, 11, 11, 6, 10, 19, 12, 4, 2, 21, 2, 32, 2, 6, 10, 13, 13, 4, 15, 2, 2, 6, 2, 4, 32, 1, 21, 15, 1, 15, 32, 13,
      13, 8, 32, 13, 13, 12, 2, 1, 32, 98,
    ]);
    expect(zmRecord({})).toHaveLength(RECORD_BYTES);
  });

  test('digits are zero-filled to the right, text is space-filled, and GBK text is cut at its width without splitting a character', () => {
    const line = zmRecord({ txnAmt: '1999', orderId: 'pay1', subMerAbbr: '银联测试商户'.repeat(4) });
    expect(at(line, 66, 12)).toBe('000000001999');
    expect(line.subarray(112, 144).toString('latin1')).toBe(`pay1${' '.repeat(28)}`);
    // 二级商户简称 starts at 327: 32 bytes hold 16 two-byte characters.
    expect(at(line, 327, 32)).toBe('银联测试商户'.repeat(4).slice(0, 16));
    expect(line).toHaveLength(RECORD_BYTES);
    expect(() => zmRecord({ txnAmt: '1234567890123' })).toThrow(RangeError);
  });

  test('settleDate (MMDD) names the latest such day up to today, China time', () => {
    const now = new Date('2031-01-01T01:00:00+08:00');
    expect(settleDayOf('0101', now)).toBe('2031-01-01');
    expect(settleDayOf('1231', now)).toBe('2030-12-31');
    expect(settleDayOf('0102', now)).toBe('2030-01-02');
    expect(settleDayOf('0229', now)).toBe('2028-02-29');
    expect(settleDayOf('1301', now)).toBeNull();
    expect(settleDayOf('101', now)).toBeNull();
  });
});
