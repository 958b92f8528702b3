import { createHash } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { crc32 } from '../../domain/crc32';
import { chinaDate, chinaDayBounds, inChinaTime } from '../../domain/china-time';
import type { SimulatorContext } from '../simulator';
import { applyStatementEdits, type StatementLine } from '../statements';
import { PROVIDER, yuan, type AlipaySandboxSecrets, type AlipaySimRefund, type AlipaySimTrade } from './alipay.model';
import { formatChinaTime } from './alipay.time';

// What Alipay's trade bill (对账单) holds: which lines a day has, the two GBK CSV files, the detail
// (业务明细) and its summary (业务明细(汇总)), and the zip that carries them. How the bill is asked
// for and downloaded is alipay.statement.ts. https://opendocs.alipay.com/open/204/106262
// (reconciliation). The layout below follows bills merchants have published; what had to be
// guessed is listed in ./README.md.

/** The detail file's columns, in Alipay's order. */
export const DETAIL_COLUMNS = [
  '支付宝交易号',
  '商户订单号',
  '业务类型',
  '商品名称',
  '创建时间',
  '完成时间',
  '门店编号',
  '门店名称',
  '操作员',
  '终端号',
  '对方账户',
  '订单金额（元）',
  '商家实收（元）',
  '支付宝红包（元）',
  '集分宝（元）',
  '支付宝优惠（元）',
  '商家优惠（元）',
  '券核销金额（元）',
  '券名称',
  '商家红包消费金额（元）',
  '卡消费金额（元）',
  '退款批次号/请求号',
  '服务费（元）',
  '分润（元）',
  '备注',
] as const;

/** The summary file's columns. */
export const SUMMARY_COLUMNS = [
  '门店编号',
  '门店名称',
  '交易订单总笔数',
  '退款订单总笔数',
  '订单金额（元）',
  '商家实收（元）',
  '支付宝优惠（元）',
  '商家优惠（元）',
  '卡消费金额（元）',
  '服务费（元）',
  '分润（元）',
  '实收净额（元）',
] as const;

// The section markers, dashes counted as in Alipay's files.
const DETAIL_START = `#${'-'.repeat(41)}业务明细列表${'-'.repeat(40)}`;
const DETAIL_END = `#${'-'.repeat(41)}业务明细列表结束${'-'.repeat(36)}`;
const SUMMARY_START = `#${'-'.repeat(41)}业务汇总列表${'-'.repeat(40)}`;
const SUMMARY_END = `#${'-'.repeat(40)}业务汇总列表结束${'-'.repeat(37)}`;

/** What a bill line stands for: the trade, and the refund for a refund line; null for a line an `add` edit made up. */
export interface AlipayBillRecord {
  trade: AlipaySimTrade;
  refund: AlipaySimRefund | null;
}

export type AlipayBillLine = StatementLine<AlipayBillRecord>;

/** The bill's own name for the merchant: its partner id (PID) followed by 0156, as in `#账号：[20880000000000000156]`. */
export const billUserId = (secrets: AlipaySandboxSecrets): string => `${secrets.seller_id}0156`;

/** Midnight, China time, starting `date` (`YYYY-MM-DD`). */
const chinaMidnight = (date: string): Date => chinaDayBounds(date).start;

/**
 * The lines of one app's bill for one day, in the order Alipay lists them (by completion time):
 * payments by gmt_payment and refunds by gmt_refund_pay, both on `date` in China time, with the
 * statement edits planted for that day applied.
 */
export async function billLines(context: SimulatorContext, appId: string, date: string): Promise<AlipayBillLine[]> {
  const trades = await context.trades.forAccount<AlipaySimTrade>(PROVIDER, appId);
  const lines: AlipayBillLine[] = [];
  for (const { data: trade } of trades) {
    if (trade.gmt_payment && chinaDate(new Date(trade.gmt_payment)) === date) {
      lines.push({
        kind: 'payment',
        outTradeNo: trade.out_trade_no,
        outRefundNo: null,
        amountFen: trade.total_fen,
        at: new Date(trade.gmt_payment),
        data: { trade, refund: null },
      });
    }
    for (const refund of trade.refunds) {
      if (chinaDate(new Date(refund.gmt_refund_pay)) !== date) continue;
      lines.push({
        kind: 'refund',
        outTradeNo: trade.out_trade_no,
        outRefundNo: refund.out_request_no,
        amountFen: refund.refund_fen,
        at: new Date(refund.gmt_refund_pay),
        data: { trade, refund },
      });
    }
  }
  const edits = await context.statementEdits.forDay(PROVIDER, appId, date);
  // Lines an `add` makes up are dated at noon: inside the day, whatever the time zone of the reader.
  const edited = applyStatementEdits(lines, edits, new Date(chinaMidnight(date).getTime() + 12 * 3600_000))
    // StatementEditStore hands amount_fen over as pg reads a bigint: as text.
    .map((line) => ({ ...line, amountFen: Number(line.amountFen) }));
  // Array#sort is stable: lines completed in the same millisecond keep their order.
  return edited.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** `YYYY-MM-DD` → `YYYYMMDD`, as the bill's names write a day. */
export const compactDate = (date: string): string => date.replaceAll('-', '');

// ---- the files -------------------------------------------------------------------------------

export interface BillFile {
  name: string;
  text: string;
}

/** `yyyy年MM月dd日 HH:mm:ss`, China time: how the bills write their dates in headers. */
function chineseDateTime(at: Date): string {
  const text = formatChinaTime(at);
  return `${text.slice(0, 4)}年${text.slice(5, 7)}月${text.slice(8, 10)}日 ${text.slice(11)}`;
}

/** Yuan with a minus sign for negative amounts: refunds are negative in the bill. */
const signedYuan = (fen: number): string => (fen < 0 ? `-${yuan(-fen)}` : yuan(fen));

/** A CSV field. Alipay's fields seldom need quoting; when one would (a comma in a subject), RFC 4180 quotes it (a guess, see README). */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

const csvRow = (fields: readonly string[]): string => fields.map(csvField).join(',');

/** A trade number for a line an `add` edit made up: stable, so that every download shows the same one. */
function madeUpTradeNo(date: string, outTradeNo: string): string {
  const digits = BigInt(`0x${createHash('sha256').update(outTradeNo).digest('hex').slice(0, 15)}`)
    .toString()
    .padStart(15, '0')
    .slice(-15);
  return `${compactDate(date)}22001${digits}`;
}

/**
 * One detail row. As in Alipay's files, identifiers and some text fields end with a tab (so that
 * spreadsheets keep them as text), a refund row repeats the trade's number, subject and creation
 * time, and its amounts are negative.
 */
function detailRow(line: AlipayBillLine, date: string): string[] {
  const trade = line.data?.trade ?? null;
  const refund = line.kind === 'refund';
  const amount = signedYuan(refund ? -line.amountFen : line.amountFen);
  const createdAt = trade ? new Date(trade.gmt_create) : line.at;
  return [
    `${trade?.trade_no ?? madeUpTradeNo(date, line.outTradeNo)}\t`,
    `${line.outTradeNo}\t`,
    `${refund ? '退款' : '交易'}\t`,
    trade?.subject ?? '',
    formatChinaTime(createdAt),
    formatChinaTime(line.at),
    '\t',
    '\t',
    '\t',
    '\t',
    `${trade?.buyer_logon_id ?? ''}\t`,
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
    `${refund ? (line.outRefundNo ?? '') : ''}\t`,
    '0.00',
    '0.00',
    trade?.body ?? '',
  ];
}

/** The two CSV files of one day's trade bill, as text (the caller encodes them in GBK). */
export function alipayBillFiles(input: {
  userId: string;
  date: string;
  lines: AlipayBillLine[];
  exportedAt: Date;
}): BillFile[] {
  const { userId, date, lines, exportedAt } = input;
  const day = compactDate(date);
  const period = `#起始日期：[${chineseDateTime(chinaMidnight(date))}]   终止日期：[${chineseDateTime(new Date(chinaMidnight(date).getTime() + 86_400_000))}]`;
  const payments = lines.filter((line) => line.kind === 'payment');
  const refunds = lines.filter((line) => line.kind === 'refund');
  const paidFen = payments.reduce((sum, line) => sum + line.amountFen, 0);
  const refundedFen = refunds.reduce((sum, line) => sum + line.amountFen, 0);
  const netFen = paidFen - refundedFen;
  const exported = `#导出时间：[${chineseDateTime(exportedAt)}]`;

  const detail = [
    '#支付宝业务明细查询',
    `#账号：[${userId}]`,
    period,
    DETAIL_START,
    csvRow(DETAIL_COLUMNS),
    ...lines.map((line) => csvRow(detailRow(line, date))),
    DETAIL_END,
    `#交易合计：${payments.length}笔，商家实收共${yuan(paidFen)}元，商家优惠共0.00元`,
    `#退款合计：${refunds.length}笔，商家实收退款共${signedYuan(-refundedFen)}元，商家优惠退款共0.00元`,
    exported,
  ];
  const net = signedYuan(netFen);
  const summary = [
    '#支付宝业务汇总查询',
    `#账号：[${userId}]`,
    period,
    SUMMARY_START,
    csvRow(SUMMARY_COLUMNS),
    csvRow([
      '合计',
      '',
      String(payments.length),
      String(refunds.length),
      net,
      net,
      '0.00',
      '0.00',
      '0.00',
      '0.00',
      '0.00',
      net,
    ]),
    SUMMARY_END,
    exported,
  ];
  // CRLF: the files are made for Excel on Chinese Windows, as their GBK encoding shows.
  const text = (rows: string[]) => `${rows.join('\r\n')}\r\n`;
  return [
    { name: `${userId}_${day}_业务明细.csv`, text: text(detail) },
    { name: `${userId}_${day}_业务明细(汇总).csv`, text: text(summary) },
  ];
}

// ---- the zip container -----------------------------------------------------------------------

// Written by hand on node:zlib rather than with a zip package: Alipay's entry names are GBK bytes
// without the UTF-8 flag (bit 11), and the maintained writers (fflate, yazl, archiver) always
// write names as UTF-8. A single-disk archive of two deflated entries is all a bill needs.
// Format: PKWARE APPNOTE.TXT 6.3.10, sections 4.3.7 (local header), 4.3.12 (central directory), 4.3.16 (end record).

/** MS-DOS date and time fields, China time (where Alipay's servers stamp their files). */
function dosDateTime(at: Date): { date: number; time: number } {
  const china = inChinaTime(at);
  return {
    date: ((china.getUTCFullYear() - 1980) << 9) | ((china.getUTCMonth() + 1) << 5) | china.getUTCDate(),
    time: (china.getUTCHours() << 11) | (china.getUTCMinutes() << 5) | Math.floor(china.getUTCSeconds() / 2),
  };
}

/** A zip archive of deflated entries; names are written as the bytes given. */
export function zipFiles(entries: Array<{ name: Buffer; data: Buffer }>, modified: Date): Buffer {
  const { date, time } = dosDateTime(modified);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const compressed = deflateRawSync(entry.data);
    const crc = crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0, 6); // flags: no UTF-8 names, no data descriptor
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(entry.name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, entry.name, compressed);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // made by: MS-DOS, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(date, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(entry.name.length, 28);
    // extra length, comment length, disk, internal and external attributes: all 0
    central.writeUInt32LE(offset, 42);
    centrals.push(central, entry.name);
    offset += local.length + entry.name.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
