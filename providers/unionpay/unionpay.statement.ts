import { inflateSync } from 'node:zlib';
import { unzipSync } from 'fflate';
import iconv from 'iconv-lite';
import { chinaInstant, inChinaTime } from '../../domain/china-time';

// UnionPay's daily statement (对账文件), as the file transfer (文件传输类交易, txnType 76, acpAPIId=791:
// https://open.unionpay.com/tjweb/acproduct/APIList?acpAPIId=791) delivers it: fileContent is the
// base64 of a zip compressed once more with DEFLATE in a zlib wrapper (acpsdk's
// AcpService.deCodeFileContent inflates it with java.util.zip.Inflater, which expects the wrapper).
// The zip holds the merchant's files of the day; the transaction detail file is
// `INN<yymmdd>88ZM_<merId>`: GBK, one fixed-width record a line, every field followed by one
// separator byte. Its layout is 6.1 of 《全渠道平台接入接口规范 第3部分 文件接口》, here with the widths
// UnionPay's demo code reads it with (DemoBase.parseZMFile). The sandbox writes it from its own
// copy of the layout (sandbox/unionpay/unionpay.statement.ts), so that each side checks the other.

/** Raised when a statement UnionPay sent cannot be read: bad base64, a broken archive, a record cut short or holding something that is not what its field holds. */
export class UnionpayStatementError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnionpayStatementError';
  }
}

/** The ZM record's fields in order, with their widths in bytes. */
const ZM_LAYOUT = [
  ['txnCode', 3], // 交易代码: S22 consume, S30 refund (退货)
  ['acqInsCode', 11], // 代理机构标识码
  ['fwdInsCode', 11], // 发送机构标识码
  ['traceNo', 6], // 系统跟踪号
  ['traceTime', 10], // 交易传输时间, MMDDhhmmss, China time
  ['accNo', 19], // 帐号 (masked)
  ['txnAmt', 12], // 交易金额, fen
  ['merCatCode', 4], // 商户类别
  ['termType', 2], // 终端类型
  ['queryId', 21], // 查询流水号
  ['payTypeOld', 2], // 支付方式（旧）
  ['orderId', 32], // 商户订单号: the consume's, or the refund's own
  ['payCardType', 2], // 支付卡类型
  ['origTraceNo', 6], // 原始交易的系统跟踪号
  ['origTraceTime', 10], // 原始交易日期时间
  ['merFee', 13], // 商户手续费, C/D + n12
  ['settleAmt', 13], // 结算金额, C/D + n12
  ['payType', 4], // 支付方式
  ['groupMerId', 15], // 集团商户代码
  ['txnType', 2], // 交易类型: 01 consume, 04 refund
  ['txnSubType', 2], // 交易子类
  ['bizType', 6], // 业务类型
  ['accType', 2], // 帐号类型
  ['billType', 4], // 账单类型
  ['billNo', 32], // 账单号码
  ['interactMode', 1], // 交互方式
  ['origQryId', 21], // 原交易查询流水号: a refund's consume
  ['merId', 15], // 商户代码
  ['divideMode', 1], // 分账入账方式
  ['subMerId', 15], // 二级商户代码
  ['subMerAbbr', 32], // 二级商户简称
  ['subMerAmt', 13], // 二级商户分账入账金额
  ['settleNetAmt', 13], // 清算净额
  ['termId', 8], // 终端号
  ['merReserved', 32], // 商户自定义域
  ['discountAmt', 13], // 优惠金额
  ['invoiceAmt', 13], // 发票金额
  ['installmentFee', 12], // 分期付款附加手续费
  ['installmentNum', 2], // 分期付款期数
  ['txnMedium', 1], // 交易介质
  ['origOrderId', 32], // 原始交易订单号: a refund's consume (absent from files of the older layout)
  ['reserved', 98], // 保留使用
] as const;

export type ZmFieldName = (typeof ZM_LAYOUT)[number][0];
/** One ZM record, each field as text with its padding trimmed; '' for a blank field or one past the end of the line. */
export type ZmRecord = Record<ZmFieldName, string>;

const OFFSETS: ReadonlyArray<{ name: ZmFieldName; start: number; end: number }> = (() => {
  let start = 0;
  return ZM_LAYOUT.map(([name, width]) => {
    const field = { name, start, end: start + width };
    start += width + 1;
    return field;
  });
})();

/** A record must reach at least the merchant code: the fields after it are optional to older layouts. */
const MIN_RECORD_BYTES = OFFSETS.find((f) => f.name === 'merId')?.end ?? 0;

/** The records of a ZM file (GBK bytes); blank lines are skipped, CRLF or LF both end a line. */
export function parseZmFile(bytes: Uint8Array): ZmRecord[] {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: ZmRecord[] = [];
  let lineStart = 0;
  let lineNo = 0;
  while (lineStart < data.length) {
    let lineEnd = data.indexOf(0x0a, lineStart);
    if (lineEnd === -1) lineEnd = data.length;
    lineNo += 1;
    let line = data.subarray(lineStart, lineEnd);
    lineStart = lineEnd + 1;
    if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, -1);
    if (line.every((byte) => byte === 0x20 || byte === 0x09)) continue;
    if (line.length < MIN_RECORD_BYTES)
      throw new UnionpayStatementError(
        `ZM record ${lineNo} is ${line.length} bytes, shorter than the ${MIN_RECORD_BYTES} up to 商户代码`,
      );
    const record = {} as ZmRecord;
    for (const { name, start, end } of OFFSETS) {
      record[name] =
        start >= line.length ? '' : iconv.decode(line.subarray(start, Math.min(end, line.length)), 'gbk').trim();
    }
    records.push(record);
  }
  return records;
}

/**
 * The files in a fileContent, by name. `maxBytes` bounds what the content may inflate to, so that
 * a hostile or broken answer cannot exhaust memory.
 */
export function unpackFileContent(fileContent: string, maxBytes = 64 * 1024 * 1024): Record<string, Uint8Array> {
  const compact = fileContent.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length === 0)
    throw new UnionpayStatementError('fileContent is not base64');
  let zip: Buffer;
  try {
    zip = inflateSync(Buffer.from(compact, 'base64'), { maxOutputLength: maxBytes });
  } catch (error) {
    throw new UnionpayStatementError(`fileContent does not inflate: ${(error as Error).message}`);
  }
  try {
    let total = 0;
    return unzipSync(zip, {
      filter: (file) => {
        total += file.originalSize;
        if (total > maxBytes) throw new Error(`the archive unpacks to more than ${maxBytes} bytes`);
        return true;
      },
    });
  } catch (error) {
    throw new UnionpayStatementError(`fileContent is not a zip UnionPay writes: ${(error as Error).message}`);
  }
}

/** `2026-11-21` → `1121`: the settleDate of a day. Null when `date` is not a real `YYYY-MM-DD` day. */
export function settleDateOf(date: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return null;
  const parsed = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== date) return null;
  return `${date.slice(5, 7)}${date.slice(8, 10)}`;
}

/** The detail file of one merchant and day: `INN<yymmdd>88ZM_<merId>`. */
export const zmFileNameOf = (date: string, merId: string): string =>
  `INN${date.slice(2, 4)}${date.slice(5, 7)}${date.slice(8, 10)}88ZM_${merId}`;

const DAY_MS = 86_400_000;

/**
 * A record's time: `MMDDhhmmss` in China time, without a year. The year is the one that puts it
 * nearest the statement's day: a transaction sent at 23:59 on 31 December and settled on
 * 1 January belongs to the year before the statement's. Null when it is not a time.
 */
export function recordTimeOf(mmddhhmmss: string, statementDate: string): Date | null {
  if (!/^\d{10}$/.test(mmddhhmmss)) return null;
  const [month, day, hour, minute, second] = [0, 2, 4, 6, 8].map((i) => Number(mmddhhmmss.slice(i, i + 2)));
  const year = Number(statementDate.slice(0, 4));
  const noon = Date.parse(`${statementDate}T12:00:00+08:00`);
  let best: Date | null = null;
  for (const y of [year - 1, year, year + 1]) {
    const at = chinaInstant(y, month, day, hour, minute, second);
    const back = inChinaTime(at);
    // Date.UTC rolls 0230 over to March; such a time is not one.
    if (back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59)
      continue;
    if (!best || Math.abs(at.getTime() - noon) < Math.abs(best.getTime() - noon)) best = at;
  }
  return best && Math.abs(best.getTime() - noon) < 183 * DAY_MS ? best : null;
}

/** A consume or a refund of the detail file, as the adapter needs it. */
export interface UnionpayStatementRecord {
  kind: 'payment' | 'refund';
  /** 商户订单号: the consume's orderId, or the refund's own. */
  orderId: string;
  /** 原始交易订单号: for a refund, the consume's orderId, when the file's layout carries it. */
  origOrderId: string | null;
  queryId: string;
  /** 原交易查询流水号: for a refund, the consume's queryId. */
  origQryId: string | null;
  amountMinor: number;
  at: Date;
}

/** consume (txnType 01 / 交易代码 S22) and refund (04 / S30); anything else is not ours to reconcile. */
function kindOf(record: ZmRecord): UnionpayStatementRecord['kind'] | null {
  if (record.txnType === '01') return 'payment';
  if (record.txnType === '04') return 'refund';
  if (record.txnType === '' && record.txnCode === 'S22') return 'payment';
  if (record.txnType === '' && record.txnCode === 'S30') return 'refund';
  return null;
}

/**
 * The consumes and refunds among the records of `merId`'s file for `date`. Other kinds of
 * transaction (cancels, pre-authorisations: Tongbao makes none) are left out. Throws
 * UnionpayStatementError for a record of another merchant or one that does not read.
 */
export function statementRecordsOf(
  records: ZmRecord[],
  expected: { merId: string; date: string },
): UnionpayStatementRecord[] {
  const out: UnionpayStatementRecord[] = [];
  records.forEach((record, index) => {
    const where = `ZM record ${index + 1}`;
    const kind = kindOf(record);
    if (!kind) return;
    if (record.merId !== expected.merId)
      throw new UnionpayStatementError(`${where} is for merId ${JSON.stringify(record.merId)}, not ${expected.merId}`);
    if (!/^\d{12}$/.test(record.txnAmt) || Number(record.txnAmt) === 0)
      throw new UnionpayStatementError(`${where}: 交易金额 ${JSON.stringify(record.txnAmt)} is not an amount`);
    if (!record.orderId) throw new UnionpayStatementError(`${where} has no 商户订单号`);
    if (!record.queryId) throw new UnionpayStatementError(`${where} has no 查询流水号`);
    const at = recordTimeOf(record.traceTime, expected.date);
    if (!at)
      throw new UnionpayStatementError(
        `${where}: 交易传输时间 ${JSON.stringify(record.traceTime)} is not a time near ${expected.date}`,
      );
    out.push({
      kind,
      orderId: record.orderId,
      origOrderId: kind === 'refund' && record.origOrderId ? record.origOrderId : null,
      queryId: record.queryId,
      origQryId: kind === 'refund' && record.origQryId ? record.origQryId : null,
      amountMinor: Number(record.txnAmt),
      at,
    });
  });
  return out;
}
