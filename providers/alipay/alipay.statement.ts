import { inflateRawSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { ProviderError, ProviderUnavailableError } from '../errors';
import type { StatementEntry } from '../provider';
import { amountFromAlipay, fromChinaTime } from './alipay.mapping';
import { crc32 } from '../../domain/crc32';

// Alipay's trade bill: a zip of GBK CSV files, `<userId>_<yyyymmdd>_业务明细.csv` (one row per
// payment and refund) and `…_业务明细(汇总).csv` (totals).
// https://opendocs.alipay.com/open/02e7gr · https://opendocs.alipay.com/open/204/106262
// Detail file, as Alipay writes it:
//   #支付宝业务明细查询
//   #账号：[20880000000000000156]
//   #起始日期：[2026年11月21日 00:00:00]   终止日期：[2026年11月22日 00:00:00]
//   #-----…业务明细列表…-----
//   支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,…,订单金额（元）,商家实收（元）,…,退款批次号/请求号,…
//   2026112122001…\t,pay3kTMd9\t,交易\t,…,19.99,19.99,…
//   2026112122001…\t,pay3kTMd9\t,退款\t,…,-5.00,-5.00,…,re3kTMd9\t,…
//   #-----…业务明细列表结束…-----
//   #交易合计：1笔，商家实收共19.99元，商家优惠共0.00元
//   #退款合计：1笔，商家实收退款共-5.00元，商家优惠退款共0.00元

/**
 * Raised when Alipay's bill arrived whole (every entry's CRC checks out) but is not the trade bill
 * this parser knows: asking again brings back the same file, so it is not retried.
 */
export class AlipayBillFormatError extends ProviderError {
  readonly retryable = false;
  constructor(message: string) {
    super(`Alipay trade bill: ${message}`, 'bill_format');
  }
}

/** A download cut short or altered on the way: a new link and a new download may well succeed. */
const damaged = (message: string) =>
  new ProviderUnavailableError(`Alipay bill download is damaged: ${message}`, 'bill_download_damaged');

// ---- the zip container -----------------------------------------------------------------------

// Read by hand on node:zlib rather than with a zip package: fflate's unzipSync checks no CRC and
// reads names without the UTF-8 flag as Latin-1, and yauzl is callback-and-stream shaped for a
// file that fits in memory. The CRC check is what tells a damaged download (retry) from a bad
// file (do not). Format: PKWARE APPNOTE.TXT 6.3.10, 4.3.7 (local header), 4.3.12 (central
// directory), 4.3.16 (end record). Bills never need zip64, spanning or encryption.

export interface AlipayBillEntry {
  /** The entry's name; Alipay writes GBK names without the UTF-8 flag. */
  name: string;
  data: Buffer;
}

/** A single entry larger than this is not a day's trade bill. */
const MAX_ENTRY_BYTES = 1 << 30;

/** The entries of a zip archive, each inflated and CRC-checked. */
export function readAlipayBillZip(zip: Buffer): AlipayBillEntry[] {
  if (zip.length < 22 || zip.readUInt32LE(0) !== 0x04034b50) {
    // Alipay answers an expired or wrong link with a message, not with an archive.
    throw damaged(`not a zip archive (${zip.length} bytes)`);
  }
  let end = -1;
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 0xffff); at--) {
    if (zip.readUInt32LE(at) === 0x06054b50) {
      end = at;
      break;
    }
  }
  if (end < 0) throw damaged('no end of central directory (the download was cut short?)');
  const count = zip.readUInt16LE(end + 10);
  const directorySize = zip.readUInt32LE(end + 12);
  const directoryOffset = zip.readUInt32LE(end + 16);
  if (count === 0xffff || directoryOffset === 0xffffffff)
    throw new AlipayBillFormatError('zip64 archives are not expected');
  if (directoryOffset + directorySize > end) throw damaged('the central directory lies outside the archive');

  const entries: AlipayBillEntry[] = [];
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > end || zip.readUInt32LE(at) !== 0x02014b50)
      throw damaged(`central directory entry ${i + 1} is broken`);
    const flags = zip.readUInt16LE(at + 8);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const next = at + 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const localOffset = zip.readUInt32LE(at + 42);
    const rawName = zip.subarray(at + 46, at + 46 + nameLength);
    // Bit 11: the name is UTF-8; without it, Alipay's names are GBK.
    const name = flags & 0x800 ? rawName.toString('utf8') : iconv.decode(rawName, 'gb18030');
    at = next;
    if (name.endsWith('/')) continue;
    if (flags & 0x1) throw new AlipayBillFormatError(`${name} is encrypted`);
    if (size > MAX_ENTRY_BYTES) throw new AlipayBillFormatError(`${name} claims ${size} bytes`);

    if (localOffset + 30 > end || zip.readUInt32LE(localOffset) !== 0x04034b50)
      throw damaged(`the local header of ${name} is broken`);
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    if (dataStart + compressedSize > directoryOffset) throw damaged(`${name} runs past its end`);
    const stored = zip.subarray(dataStart, dataStart + compressedSize);
    let data: Buffer;
    if (method === 0) {
      data = stored;
    } else if (method === 8) {
      try {
        data = inflateRawSync(stored, { maxOutputLength: Math.max(size, 1) });
      } catch (error) {
        throw damaged(`${name} does not inflate (${(error as Error).message})`);
      }
    } else {
      throw new AlipayBillFormatError(`${name} uses compression method ${method}`);
    }
    if (data.length !== size || crc32(data) !== crc) throw damaged(`${name} fails its CRC-32 check`);
    entries.push({ name, data });
  }
  return entries;
}

// ---- the detail file -------------------------------------------------------------------------

/** The columns read; the others (discounts, fees, stores) do not change what was paid or refunded. */
const COLUMNS = {
  tradeNo: '支付宝交易号',
  outTradeNo: '商户订单号',
  type: '业务类型',
  completedAt: '完成时间',
  amount: '订单金额（元）',
  received: '商家实收（元）',
  refundNo: '退款批次号/请求号',
} as const;
type Column = keyof typeof COLUMNS;

const DETAIL_TITLE = '#支付宝业务明细查询';
const DETAIL_START = /^#-+业务明细列表-+$/;
const DETAIL_END = /^#-+业务明细列表结束-+$/;

/** One CSV line (RFC 4180 quotes allowed), each field trimmed: Alipay ends ids with a tab to keep spreadsheets from reformatting them. */
function csvFields(line: string, where: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new AlipayBillFormatError(`${where}: an unclosed quote`);
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      const rest = line.indexOf(',', i);
      field += line.slice(i, rest < 0 ? line.length : rest);
      i = rest < 0 ? line.length : rest;
    } else {
      const rest = line.indexOf(',', i);
      field = line.slice(i, rest < 0 ? line.length : rest);
      i = rest < 0 ? line.length : rest;
    }
    fields.push(field.trim());
    if (i >= line.length) return fields;
    i++;
  }
}

/** A header as written, fullwidth or not: `订单金额(元)` and `订单金额（元）` name the same column. */
const normalizeHeader = (name: string) => name.trim().replaceAll('(', '（').replaceAll(')', '）');

/** "19.99" → 1999 for `交易`, "-5.00" → 500 for `退款`: the sign must match the line's kind. */
function fenOf(text: string, negative: boolean, where: string): number {
  const match = /^(-?)(\d+(?:\.\d{1,2})?)$/.exec(text);
  if (!match || (match[1] === '-') !== negative) {
    throw new AlipayBillFormatError(
      `${where}: ${JSON.stringify(text)} is not a ${negative ? 'negative' : 'positive'} amount in yuan`,
    );
  }
  return amountFromAlipay(match[2]);
}

/** The totals Alipay writes under the detail: a bill cut short or edited by hand shows here. */
function checkTotals(
  trailer: string[],
  counted: { payments: number; paidFen: number; refunds: number; refundedFen: number },
): void {
  const yuanToFen = (text: string, negative: boolean) => (text === '0.00' ? 0 : fenOf(text, negative, 'totals'));
  for (const line of trailer) {
    const payments = /^#交易合计[：:](\d+)笔[，,]商家实收共(-?[\d.]+)元/.exec(line);
    if (payments && (Number(payments[1]) !== counted.payments || yuanToFen(payments[2], false) !== counted.paidFen)) {
      throw new AlipayBillFormatError(
        `the totals say ${payments[1]} payments of ${payments[2]} yuan, the rows ${counted.payments} of ${counted.paidFen} fen`,
      );
    }
    const refunds = /^#退款合计[：:](\d+)笔[，,]商家实收退款共(-?[\d.]+)元/.exec(line);
    if (refunds && (Number(refunds[1]) !== counted.refunds || yuanToFen(refunds[2], true) !== counted.refundedFen)) {
      throw new AlipayBillFormatError(
        `the totals say ${refunds[1]} refunds of ${refunds[2]} yuan, the rows ${counted.refunds} of ${counted.refundedFen} fen`,
      );
    }
  }
}

/**
 * The payments and refunds of the bill's detail file, in Tongbao's words. `date` (`YYYY-MM-DD`)
 * is the day asked for: a bill for another day is refused. Amounts come from 订单金额（元）, what
 * the order was for (商家实收 leaves out what Alipay's own discounts paid).
 */
export function parseAlipayTradeBill(entries: AlipayBillEntry[], date: string): StatementEntry[] {
  // GB18030 is a superset of GBK: whatever Alipay wrote decodes the same.
  const csvs = entries
    .filter((entry) => entry.name.toLowerCase().endsWith('.csv'))
    .map((entry) => ({ name: entry.name, text: iconv.decode(entry.data, 'gb18030') }));
  const details = csvs.filter((csv) => csv.text.split(/\r?\n/, 1)[0].trim() === DETAIL_TITLE);
  if (details.length !== 1) {
    throw new AlipayBillFormatError(
      `expected one ${DETAIL_TITLE} file, found ${details.length} among ${JSON.stringify(entries.map((e) => e.name))}`,
    );
  }
  const { name, text } = details[0];
  const lines = text.split(/\r?\n/);

  const period = lines.map((line) => /^#起始日期[：:]\s*\[(\d{4})年(\d{2})月(\d{2})日/.exec(line.trim())).find(Boolean);
  if (!period) throw new AlipayBillFormatError(`${name} has no #起始日期 line`);
  const billDate = `${period[1]}-${period[2]}-${period[3]}`;
  if (billDate !== date) throw new AlipayBillFormatError(`${name} is the bill of ${billDate}, not of ${date}`);

  const start = lines.findIndex((line) => DETAIL_START.test(line.trim()));
  const end = lines.findIndex((line) => DETAIL_END.test(line.trim()));
  if (start < 0 || end < start) throw new AlipayBillFormatError(`${name} lacks the 业务明细列表 markers`);
  const body = lines
    .slice(start + 1, end)
    .map((line, index) => ({ line, number: start + 2 + index }))
    .filter(({ line }) => line.trim() !== '');
  if (body.length === 0) throw new AlipayBillFormatError(`${name} has no column header`);

  const header = csvFields(body[0].line, `${name} line ${body[0].number}`).map(normalizeHeader);
  const index = {} as Record<Column, number>;
  const missing: string[] = [];
  for (const [key, title] of Object.entries(COLUMNS) as Array<[Column, string]>) {
    index[key] = header.indexOf(title);
    if (index[key] < 0) missing.push(title);
  }
  if (missing.length > 0) throw new AlipayBillFormatError(`${name} has no column ${missing.join(', ')}`);

  const statement: StatementEntry[] = [];
  const counted = { payments: 0, paidFen: 0, refunds: 0, refundedFen: 0 };
  for (const { line, number } of body.slice(1)) {
    const where = `${name} line ${number}`;
    const fields = csvFields(line, where);
    if (fields.length !== header.length)
      throw new AlipayBillFormatError(`${where} has ${fields.length} fields, the header ${header.length}`);
    const field = (column: Column) => fields[index[column]];

    const type = field('type');
    if (type !== '交易' && type !== '退款')
      throw new AlipayBillFormatError(`${where}: unknown 业务类型 ${JSON.stringify(type)}`);
    const refund = type === '退款';
    const outTradeNo = field('outTradeNo');
    if (!outTradeNo) throw new AlipayBillFormatError(`${where} has no 商户订单号`);
    const outRefundNo = refund ? field('refundNo') : null;
    if (refund && !outRefundNo) throw new AlipayBillFormatError(`${where} is a refund without 退款批次号/请求号`);
    const completedAt = fromChinaTime(field('completedAt'));
    if (!completedAt)
      throw new AlipayBillFormatError(`${where}: 完成时间 ${JSON.stringify(field('completedAt'))} is not a time`);
    const amountMinor = fenOf(field('amount'), refund, `${where} 订单金额`);
    const receivedFen = fenOf(field('received'), refund, `${where} 商家实收`);

    if (refund) {
      counted.refunds++;
      counted.refundedFen += receivedFen;
    } else {
      counted.payments++;
      counted.paidFen += receivedFen;
    }
    statement.push({
      kind: refund ? 'refund' : 'payment',
      outTradeNo,
      outRefundNo,
      providerTradeNo: field('tradeNo') || null,
      amountMinor,
      at: new Date(completedAt),
    });
  }
  checkTotals(
    lines.slice(end + 1).map((line) => line.trim()),
    counted,
  );
  return statement;
}
