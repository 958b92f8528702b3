import { createHash } from 'node:crypto';
import { chinaDate, inChinaTime } from '../../domain/china-time';
import type { StatementLine } from '../statements';
import type { WechatpaySimRefund, WechatpaySimTrade } from './wechatpay.model';

// What WeChat Pay's trade bill (交易账单) holds: which payments and refunds a day shows, and the
// file WeChat writes for each bill type. How it is applied for and downloaded is
// wechatpay.statement.ts. https://pay.weixin.qq.com/docs/merchant/products/bill-download/format-trade.html (文件格式)

/** The bill types the sandbox writes (the three of 交易账单格式说明). */
export const WECHATPAY_BILL_TYPES = ['ALL', 'SUCCESS', 'REFUND'] as const;
export type WechatpayBillType = (typeof WECHATPAY_BILL_TYPES)[number];

/** The rate the sandbox charges every merchant: 0.60 %, WeChat's usual rate for goods. */
const FEE_RATE_PER_MILLE = 6;
const FEE_RATE_TEXT = '0.60%';

/** Detail columns of each bill type, in WeChat's order. (format-trade.html, 明细数据表头字段) */
export const WECHATPAY_BILL_COLUMNS: Readonly<Record<WechatpayBillType, readonly string[]>> = {
  ALL: [
    '交易时间',
    '公众账号ID',
    '商户号',
    '特约商户号',
    '设备号',
    '微信订单号',
    '商户订单号',
    '用户标识',
    '交易类型',
    '交易状态',
    '付款银行',
    '货币种类',
    '应结订单金额',
    '代金券金额',
    '微信退款单号',
    '商户退款单号',
    '退款金额',
    '充值券退款金额',
    '退款类型',
    '退款状态',
    '商品名称',
    '商户数据包',
    '手续费',
    '费率',
    '订单金额',
    '申请退款金额',
    '费率备注',
  ],
  SUCCESS: [
    '交易时间',
    '公众账号ID',
    '商户号',
    '特约商户号',
    '设备号',
    '微信订单号',
    '商户订单号',
    '用户标识',
    '交易类型',
    '交易状态',
    '付款银行',
    '货币种类',
    '应结订单金额',
    '代金券金额',
    '商品名称',
    '商户数据包',
    '手续费',
    '费率',
    '订单金额',
    '费率备注',
  ],
  REFUND: [
    '交易时间',
    '公众账号ID',
    '商户号',
    '特约商户号',
    '设备号',
    '微信订单号',
    '商户订单号',
    '用户标识',
    '交易类型',
    '交易状态',
    '付款银行',
    '货币种类',
    '应结订单金额',
    '代金券金额',
    '退款申请时间',
    '退款成功时间',
    '微信退款单号',
    '商户退款单号',
    '退款金额',
    '充值券退款金额',
    '退款类型',
    '退款状态',
    '商品名称',
    '商户数据包',
    '手续费',
    '费率',
    '订单金额',
    '申请退款金额',
    '费率备注',
  ],
};

/**
 * The summary's columns. The format page lists four for SUCCESS bills, but SUCCESS bills
 * downloaded from APIv3 carry these seven, as ALL and REFUND do: the sandbox follows the files.
 */
export const WECHATPAY_BILL_SUMMARY_COLUMNS = [
  '总交易单数',
  '应结订单总金额',
  '退款总金额',
  '充值券退款总金额',
  '手续费总金额',
  '订单总金额',
  '申请退款总金额',
] as const;

/** What stands behind one line of a WeChat bill: the order, and the refund for refund lines. */
export interface WechatpayBillRecord {
  trade: WechatpaySimTrade;
  refund: WechatpaySimRefund | null;
}

export type WechatpayStatementLine = StatementLine<WechatpayBillRecord>;

/**
 * The payments and refunds of these orders that WeChat completed on `date` (China time) by `asOf`:
 * payments by `success_time`, refunds once `SUCCESS`, by theirs.
 */
export function wechatpayStatementLines(
  trades: readonly WechatpaySimTrade[],
  date: string,
  asOf: Date,
): WechatpayStatementLine[] {
  const completed = (iso: string | null): Date | null => {
    if (!iso) return null;
    const at = new Date(iso);
    return chinaDate(at) === date && at.getTime() <= asOf.getTime() ? at : null;
  };
  const lines: WechatpayStatementLine[] = [];
  for (const trade of trades) {
    const paidAt = completed(trade.success_time);
    if (paidAt)
      lines.push({
        kind: 'payment',
        outTradeNo: trade.out_trade_no,
        outRefundNo: null,
        amountFen: trade.total,
        at: paidAt,
        data: { trade, refund: null },
      });
    for (const refund of trade.refunds) {
      const refundedAt = refund.status === 'SUCCESS' ? completed(refund.success_time) : null;
      if (refundedAt) {
        lines.push({
          kind: 'refund',
          outTradeNo: trade.out_trade_no,
          outRefundNo: refund.out_refund_no,
          amountFen: refund.refund,
          at: refundedAt,
          data: { trade, refund },
        });
      }
    }
  }
  return lines;
}

/** The lines a bill of `type` shows. */
export function linesOfBillType(
  lines: readonly WechatpayStatementLine[],
  type: WechatpayBillType,
): WechatpayStatementLine[] {
  return lines.filter((line) => type === 'ALL' || (type === 'SUCCESS') === (line.kind === 'payment'));
}

/**
 * The bill as WeChat writes it: a UTF-8 BOM, the header, one row per line with every value
 * prefixed by a back-quote, the summary header and its row, each line ended by CRLF; amounts in
 * yuan. The BOM and the CRLFs are those of a real APIv3 bill whose published SHA1 matches only
 * with them. Empty `lines` still make a file (header and a zero summary): the caller decides
 * whether such a day has a bill.
 */
export function formatWechatpayTradeBill(
  lines: readonly WechatpayStatementLine[],
  type: WechatpayBillType,
  account: { mchid: string; appid: string },
): string {
  // Oldest first; ties broken without the locale, so that every rebuild of a bill has the same bytes.
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const rows = [...linesOfBillType(lines, type)].sort(
    (a, b) =>
      a.at.getTime() - b.at.getTime() ||
      order(a.kind, b.kind) ||
      order(a.outTradeNo, b.outTradeNo) ||
      order(a.outRefundNo ?? '', b.outRefundNo ?? ''),
  );
  const values = rows.map((line) => billRowValues(line, account));
  const sum = (column: string) => values.reduce((total, row) => total + row.fen[column], 0);
  const columns = WECHATPAY_BILL_COLUMNS[type];
  const summary = [
    String(values.length),
    yuan(sum('应结订单金额')),
    yuan(sum('退款金额')),
    yuan(0),
    feeYuan(sum('手续费')),
    yuan(sum('订单金额')),
    yuan(sum('申请退款金额')),
  ];
  const text = [
    columns.join(','),
    ...values.map((row) => columns.map((column) => `\`${row.text[column] ?? ''}`).join(',')),
    WECHATPAY_BILL_SUMMARY_COLUMNS.join(','),
    summary.map((value) => `\`${value}`).join(','),
  ];
  return `\ufeff${text.join('\r\n')}\r\n`;
}

interface BillRowValues {
  /** Every column's text, by name (a bill type shows some of them). */
  text: Record<string, string>;
  /** The amount columns the summary adds up, in fen. */
  fen: Record<string, number>;
}

function billRowValues(line: WechatpayStatementLine, account: { mchid: string; appid: string }): BillRowValues {
  const trade = line.data?.trade ?? null;
  const refund = line.data?.refund ?? null;
  const fee = Math.round((line.amountFen * FEE_RATE_PER_MILLE) / 1000);
  const isRefund = line.kind === 'refund';
  const fen = {
    应结订单金额: isRefund ? 0 : line.amountFen,
    退款金额: isRefund ? line.amountFen : 0,
    // A refund gives the fee back: WeChat shows it negative.
    手续费: isRefund ? -fee : fee,
    订单金额: isRefund ? 0 : line.amountFen,
    申请退款金额: isRefund ? line.amountFen : 0,
  };
  const text: Record<string, string> = {
    交易时间: chinaDateTime(line.at),
    公众账号ID: trade?.appid ?? account.appid,
    商户号: trade?.mchid ?? account.mchid,
    // 0 for a direct merchant's own trades.
    特约商户号: '0',
    设备号: '',
    微信订单号: trade?.transaction_id ?? madeUpTransactionId(account.mchid, line),
    商户订单号: line.outTradeNo,
    用户标识: trade?.payer_openid ?? '',
    交易类型: trade?.trade_type ?? 'NATIVE',
    交易状态: isRefund ? 'REFUND' : 'SUCCESS',
    付款银行: 'OTHERS',
    货币种类: 'CNY',
    应结订单金额: yuan(fen.应结订单金额),
    代金券金额: yuan(0),
    退款申请时间: refund ? chinaDateTime(new Date(refund.create_time)) : '',
    退款成功时间: isRefund ? chinaDateTime(line.at) : '',
    // Payment rows show 0 where a refund's numbers would be, as WeChat's files do.
    微信退款单号: refund?.refund_id ?? (isRefund ? '' : '0'),
    商户退款单号: line.outRefundNo ?? '0',
    退款金额: yuan(fen.退款金额),
    充值券退款金额: yuan(0),
    退款类型: isRefund ? 'ORIGINAL' : '',
    退款状态: isRefund ? (refund?.status ?? 'SUCCESS') : '',
    商品名称: oneLine(trade?.description ?? ''),
    商户数据包: oneLine(trade?.attach ?? ''),
    手续费: feeYuan(fen.手续费),
    费率: FEE_RATE_TEXT,
    订单金额: yuan(fen.订单金额),
    申请退款金额: yuan(fen.申请退款金额),
    费率备注: '',
  };
  return { text, fen };
}

/** Fen as yuan with two decimals, `1999` → `19.99`. */
export function yuan(fen: number): string {
  const abs = Math.abs(fen);
  return `${fen < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Fees are written with five decimals (`0.12000`, `-0.02000`), though charged in whole fen. */
function feeYuan(fen: number): string {
  return `${yuan(fen)}000`;
}

/** `2021-01-28 17:07:11`: China time, to the second. */
function chinaDateTime(at: Date): string {
  return inChinaTime(at).toISOString().slice(0, 19).replace('T', ' ');
}

/** A line break in a description would start a new row; WeChat's handling is unknown, the sandbox writes a space. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}

/** An `add` edit's order never reached WeChat: it gets a 28-digit number, the same at every rebuild of the bill. */
function madeUpTransactionId(mchid: string, line: WechatpayStatementLine): string {
  const digest = createHash('sha256').update(`${mchid}\n${line.outTradeNo}\n${line.at.toISOString()}`).digest();
  let digits = '';
  for (const byte of digest) digits += String(byte % 10);
  return `4200${digits.slice(0, 24)}`;
}
