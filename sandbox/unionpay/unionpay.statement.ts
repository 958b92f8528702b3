import { zipSync, zlibSync } from 'fflate';
import iconv from 'iconv-lite';
import { randomDigits } from '../random';
import { applyStatementEdits, type StatementLine } from '../statements';
import type { StoredTrade } from '../trades';
import type { SimulatorContext } from '../simulator';
import {
  answerFields,
  PROVIDER,
  type Answer,
  type Fields,
  type UnionpayMerchantSecrets,
  type UnionpaySimConsume,
  type UnionpaySimRecord,
  type UnionpaySimRefund,
} from './unionpay.model';
import { formatTraceTime, formatTxnTime, parseTxnTime } from './unionpay.time';
import { chinaDate } from '../../domain/china-time';

// UnionPay's file transfer (文件传输类交易, txnType 76 / txnSubType 01, acpAPIId=791:
// https://open.unionpay.com/tjweb/acproduct/APIList?acpAPIId=791) and the merchant's daily
// statement it carries: a zip, compressed again with DEFLATE in a zlib wrapper (what Java's
// default `Deflater` writes, and what acpsdk's AcpService.deCodeFileContent inflates), base64.
// The zip holds the 全渠道 transaction detail file (ZM) and the error-adjustment file (ZME).
//
// The ZM record layout is that of 《全渠道平台接入接口规范 第3部分 文件接口》 6.1, as UnionPay's own
// demo code reads it (DemoBase.parseZMFile: field widths {3,11,11,6,10,19,12,4,2,21,2,32,2,6,10,
// 13,13,4,15,2,2,6,2,4,32,1,21,15,1,15,32,13,13,8,32,13,13,12,2,1,32,98}, each field followed by
// one separator byte, GBK). The adapter keeps its own copy of the layout: see the README.

/** How UnionPay fills a field: `n` digits right-aligned with zeros, `an` text left-aligned with spaces, `cd` C (credit) or D (debit) and digits. */
type ZmFormat = 'n' | 'an' | 'cd';

/** The ZM record, in order: name, width in bytes, 6.1's name for it, and its format. */
export const ZM_FIELDS = [
  ['txnCode', 3, '交易代码', 'an'],
  ['acqInsCode', 11, '代理机构标识码', 'an'],
  ['fwdInsCode', 11, '发送机构标识码', 'an'],
  ['traceNo', 6, '系统跟踪号', 'n'],
  ['txnTime', 10, '交易传输时间', 'n'],
  ['accNo', 19, '帐号', 'an'],
  ['txnAmt', 12, '交易金额', 'n'],
  ['merCatCode', 4, '商户类别', 'n'],
  ['termType', 2, '终端类型', 'n'],
  ['queryId', 21, '查询流水号', 'an'],
  ['payTypeOld', 2, '支付方式（旧）', 'an'],
  ['orderId', 32, '商户订单号', 'an'],
  ['payCardType', 2, '支付卡类型', 'an'],
  ['origTraceNo', 6, '原始交易的系统跟踪号', 'n'],
  ['origTxnTime', 10, '原始交易日期时间', 'n'],
  ['merFee', 13, '商户手续费', 'cd'],
  ['settleAmt', 13, '结算金额', 'cd'],
  ['payType', 4, '支付方式', 'an'],
  ['groupMerId', 15, '集团商户代码', 'an'],
  ['txnType', 2, '交易类型', 'an'],
  ['txnSubType', 2, '交易子类', 'an'],
  ['bizType', 6, '业务类型', 'an'],
  ['accType', 2, '帐号类型', 'an'],
  ['billType', 4, '账单类型', 'an'],
  ['billNo', 32, '账单号码', 'an'],
  ['interactMode', 1, '交互方式', 'an'],
  ['origQryId', 21, '原交易查询流水号', 'an'],
  ['merId', 15, '商户代码', 'an'],
  ['divideMode', 1, '分账入账方式', 'an'],
  ['subMerId', 15, '二级商户代码', 'an'],
  ['subMerAbbr', 32, '二级商户简称', 'an'],
  ['subMerAmt', 13, '二级商户分账入账金额', 'cd'],
  ['settleNetAmt', 13, '清算净额', 'cd'],
  ['termId', 8, '终端号', 'an'],
  ['merReserved', 32, '商户自定义域', 'an'],
  ['discountAmt', 13, '优惠金额', 'cd'],
  ['invoiceAmt', 13, '发票金额', 'cd'],
  ['installmentFee', 12, '分期付款附加手续费', 'cd'],
  ['installmentNum', 2, '分期付款期数', 'n'],
  ['txnMedium', 1, '交易介质', 'an'],
  ['origOrderId', 32, '原始交易订单号', 'an'],
  ['reserved', 98, '保留使用', 'an'],
] as const satisfies ReadonlyArray<readonly [string, number, string, ZmFormat]>;

export type ZmFieldName = (typeof ZM_FIELDS)[number][0];
export type ZmValues = Partial<Record<ZmFieldName, string>>;

/** 交易代码 of a consume and of a refund (退货), as merchants' parsers of the ZM file match them. */
export const ZM_TXN_CODES = { consume: 'S22', refund: 'S30' } as const;

/** respCode of a file request for a day UnionPay has no file for (a day without transactions). */
export const NO_FILE_RESP_CODE = '98';

/** What a line of the sandbox's statement points at: the consume, and the refund for a refund line. */
export interface UnionpayStatementData {
  consume: UnionpaySimConsume;
  refund: UnionpaySimRefund | null;
}

/** A value cut to `width` bytes of GBK without splitting a character. */
function gbkFit(value: string, width: number): Buffer {
  let bytes = iconv.encode(value, 'gbk');
  if (bytes.length <= width) return bytes;
  let text = value;
  while (bytes.length > width) {
    text = text.slice(0, -1);
    bytes = iconv.encode(text, 'gbk');
  }
  return bytes;
}

function field(value: string | undefined, width: number, format: ZmFormat): Buffer {
  const blank = Buffer.alloc(width, 0x20);
  if (value === undefined || value === '') return blank;
  if (format === 'n') {
    if (!/^\d+$/.test(value) || value.length > width)
      throw new RangeError(`${JSON.stringify(value)} does not fit an n${width} field`);
    return Buffer.from(value.padStart(width, '0'), 'ascii');
  }
  if (format === 'cd' && (!/^[CD]\d+$/.test(value) || value.length > width))
    throw new RangeError(`${JSON.stringify(value)} does not fit an x+n${width - 1} field`);
  const bytes = gbkFit(value, width);
  bytes.copy(blank, 0);
  return blank;
}

/** One ZM record, GBK, without its line end: each field at its width, then one space. */
export function zmRecord(values: ZmValues): Buffer {
  const parts: Buffer[] = [];
  ZM_FIELDS.forEach(([name, width, , format], index) => {
    if (index > 0) parts.push(Buffer.from(' '));
    parts.push(field(values[name], width, format));
  });
  return Buffer.concat(parts);
}

/** `C000000001999`: an amount credited to (C) or debited from (D) the merchant, x+n12. */
export const creditDebit = (sign: 'C' | 'D', fen: number, width = 13): string =>
  `${sign}${String(fen).padStart(width - 1, '0')}`;

/** The ZM record of one statement line; a line an `add` edit made up gets made-up numbers. */
export function zmRecordOf(line: StatementLine<UnionpayStatementData>, merId: string): Buffer {
  const common: ZmValues = {
    acqInsCode: '00049992',
    fwdInsCode: '00049992',
    merCatCode: '5999',
    payCardType: '01',
    payType: '0001',
    bizType: '000201',
    accType: '01',
    merId,
    merFee: creditDebit(line.kind === 'payment' ? 'D' : 'C', 0),
    txnAmt: String(line.amountFen),
  };
  if (line.kind === 'refund') {
    const { consume, refund } = line.data ?? { consume: null, refund: null };
    return zmRecord({
      ...common,
      txnCode: ZM_TXN_CODES.refund,
      txnType: '04',
      txnSubType: '00',
      traceNo: refund?.trace_no ?? randomDigits(6),
      txnTime: refund?.trace_time ?? formatTraceTime(line.at),
      accNo: consume?.acc_no ?? '',
      termType: consume?.channel_type ?? '07',
      queryId: refund?.query_id ?? madeUpQueryId(line.at),
      orderId: line.outRefundNo ?? '',
      origTraceNo: consume?.trace_no ?? '',
      origTxnTime: consume?.trace_time ?? '',
      origQryId: consume?.query_id ?? '',
      origOrderId: line.outTradeNo,
      settleAmt: creditDebit('D', line.amountFen),
      settleNetAmt: creditDebit('D', line.amountFen),
      merReserved: refund?.req_reserved ?? '',
    });
  }
  const consume = line.data?.consume ?? null;
  return zmRecord({
    ...common,
    txnCode: ZM_TXN_CODES.consume,
    txnType: '01',
    txnSubType: '01',
    traceNo: consume?.trace_no ?? randomDigits(6),
    txnTime: consume?.trace_time ?? formatTraceTime(line.at),
    accNo: consume?.acc_no ?? '621626*********0018',
    termType: consume?.channel_type ?? '07',
    queryId: consume?.query_id ?? madeUpQueryId(line.at),
    orderId: line.outTradeNo,
    settleAmt: creditDebit('C', line.amountFen),
    settleNetAmt: creditDebit('C', line.amountFen),
    merReserved: consume?.req_reserved ?? '',
  });
}

const madeUpQueryId = (at: Date): string => `${formatTxnTime(at).slice(2)}${randomDigits(9)}`;

/** The payments and refunds the account's trades completed on `date` (China time), oldest first. */
export function statementLinesOf(
  trades: StoredTrade<UnionpaySimRecord>[],
  date: string,
): StatementLine<UnionpayStatementData>[] {
  const lines: StatementLine<UnionpayStatementData>[] = [];
  for (const { data: t } of trades) {
    if (t.kind !== 'consume') continue;
    if (t.state === 'PAID' && t.paid_at && chinaDate(new Date(t.paid_at)) === date) {
      lines.push({
        kind: 'payment',
        outTradeNo: t.order_id,
        outRefundNo: null,
        amountFen: t.txn_amt,
        at: new Date(t.paid_at),
        data: { consume: t, refund: null },
      });
    }
    for (const r of t.refunds) {
      if (r.state !== 'SUCCEEDED' || !r.settled_at || chinaDate(new Date(r.settled_at)) !== date) continue;
      lines.push({
        kind: 'refund',
        outTradeNo: t.order_id,
        outRefundNo: r.order_id,
        amountFen: r.txn_amt,
        at: new Date(r.settled_at),
        data: { consume: t, refund: r },
      });
    }
  }
  return lines.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** `yymmdd` of a `YYYY-MM-DD` day, as the file names carry it. */
const yymmdd = (date: string): string => date.slice(2).replaceAll('-', '');

/** The 全渠道 transaction detail file of one merchant and day: `INN<yymmdd>88ZM_<merId>`. */
export const zmFileName = (date: string, merId: string): string => `INN${yymmdd(date)}88ZM_${merId}`;
/** The error-adjustment file (差错), empty in the sandbox: `INN<yymmdd>88ZME_<merId>`. */
export const zmeFileName = (date: string, merId: string): string => `INN${yymmdd(date)}88ZME_${merId}`;

/** What the answer's fileName says: `<merId>_<yyyyMMdd>.zip`. */
export const statementZipName = (date: string, merId: string): string => `${merId}_${date.replaceAll('-', '')}.zip`;

/** The merchant's zip of one day: the ZM file (records ending in CRLF, GBK) and an empty ZME file. */
export function statementZip(lines: StatementLine<UnionpayStatementData>[], merId: string, date: string): Uint8Array {
  const crlf = Buffer.from('\r\n');
  const zm = Buffer.concat(lines.flatMap((line) => [zmRecordOf(line, merId), crlf]));
  const mtime = new Date(`${date}T23:00:00+08:00`);
  return zipSync(
    { [zmFileName(date, merId)]: [zm, { mtime }], [zmeFileName(date, merId)]: [new Uint8Array(0), { mtime }] },
    { level: 6 },
  );
}

/** The answer's fileContent: base64 of the zip DEFLATE-compressed in a zlib wrapper. */
export const fileContentOf = (zip: Uint8Array): string => Buffer.from(zlibSync(zip, { level: 6 })).toString('base64');

/**
 * The day a settleDate (MMDD) names: the latest such day up to today (China time). UnionPay
 * keeps the files of the past; the sandbox also answers for today, with what it has so far.
 */
export function settleDayOf(settleDate: string, now: Date = new Date()): string | null {
  if (!/^\d{4}$/.test(settleDate)) return null;
  const today = chinaDate(now);
  for (let year = Number(today.slice(0, 4)); year > Number(today.slice(0, 4)) - 8; year--) {
    const day = `${year}-${settleDate.slice(0, 2)}-${settleDate.slice(2)}`;
    const parsed = new Date(`${day}T00:00:00Z`);
    // 0230 is never a day; 0229 is one only in leap years.
    if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== day) continue;
    if (day <= today) return day;
  }
  return null;
}

/**
 * fileTransRequest: the signed request names the day by settleDate (MMDD); the answer carries the
 * day's zip, or respCode 98 when there is nothing to put in it. Edits planted through
 * `POST /_control/statement_edits` are applied first.
 */
export async function fileTransfer(
  context: SimulatorContext,
  merchant: UnionpayMerchantSecrets,
  fields: Fields,
  now: Date = new Date(),
): Promise<Answer> {
  const echo: Fields = {};
  for (const name of ['settleDate', 'fileType'] as const) if (fields[name]) echo[name] = fields[name];
  const refuse = (respCode: string, detail: string) => answerFields(fields, respCode, detail, echo);
  if (fields.txnType !== '76') return refuse('10', 'fileTransRequest 的 txnType 应为 76');
  if (fields.txnSubType !== '01') return refuse('10', '对账文件下载的 txnSubType 应为 01');
  if (fields.bizType !== '000000') return refuse('10', '文件传输的 bizType 应为 000000');
  if (!fields.txnTime) return refuse('13', 'txnTime 不能为空');
  if (!parseTxnTime(fields.txnTime)) return refuse('10', 'txnTime 格式应为 yyyyMMddHHmmss');
  if (!fields.fileType) return refuse('13', 'fileType 不能为空');
  if (fields.fileType !== '00')
    return refuse('32', `沙箱仅提供 fileType 00（商户对账文件），不提供 ${fields.fileType}`);
  if (!fields.settleDate) return refuse('13', 'settleDate 不能为空');
  const date = settleDayOf(fields.settleDate, now);
  if (!date) return refuse('10', 'settleDate 格式应为 MMDD');

  const merId = merchant.mer_id;
  const { trades, statementEdits } = context;
  const edits = await statementEdits.forDay(PROVIDER, merId, date);
  // Lines an `add` edit makes up are dated at noon of the day.
  const lines = applyStatementEdits(
    statementLinesOf(await trades.forAccount<UnionpaySimRecord>(PROVIDER, merId), date),
    edits,
    new Date(`${date}T12:00:00+08:00`),
  );
  if (lines.length === 0) return refuse(NO_FILE_RESP_CODE, `${date} 无对账文件`);
  return answerFields(fields, '00', undefined, {
    ...echo,
    fileName: statementZipName(date, merId),
    fileContent: fileContentOf(statementZip(lines, merId, date)),
  });
}
