import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { applyStatementEdits, type StatementLine } from '../statements';
import {
  apiError,
  ok,
  paramError,
  PROVIDER,
  wechatpayBaseUrl,
  type ApiAnswer,
  type WechatpaySandboxSecrets,
  type WechatpaySimRefund,
  type WechatpaySimTrade,
} from './wechatpay.model';
import type { SimulatorContext } from '../simulator';
import type { WechatpayTrades } from './wechatpay.trades';
import { chinaDate, inChinaTime } from '../../domain/china-time';

// WeChat Pay's trade bill (交易账单): GET /v3/bill/tradebill answers a signed
// {hash_type, hash_value, download_url}; the download is the raw file, unsigned, checked by its SHA1.
// https://pay.weixin.qq.com/doc/v3/merchant/4012556654 (申请交易账单)
// https://pay.weixin.qq.com/docs/merchant/products/bill-download/format-trade.html (文件格式)
// https://pay.weixin.qq.com/doc/v3/merchant/4013071254 (常见问题: NO_STATEMENT_EXIST, 下载不返回签名)

/** The bill types the sandbox writes (the three of 交易账单格式说明). */
export const WECHATPAY_BILL_TYPES = ['ALL', 'SUCCESS', 'REFUND'] as const;
export type WechatpayBillType = (typeof WECHATPAY_BILL_TYPES)[number];

/** Bill types WeChat also offers, for data no sandbox merchant has (充值券 refunds, 个性化账单): never a bill. */
const BILL_TYPES_WITHOUT_DATA = ['RECHARGE_REFUND', 'ALL_SPECIAL', 'SUC_SPECIAL', 'REF_SPECIAL'];

/** WeChat's download_url is valid 5 minutes (30 s in the older pages); wall-clock, not time-scaled. */
const DOWNLOAD_URL_VALIDITY_MS = 5 * 60_000;

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

// ---- the two calls ---------------------------------------------------------------------------

/**
 * What a download token pins: the merchant and the bill, and the moment the bill was cut (the
 * trades' state then and the number of edits planted by then). The download rebuilds the very
 * same bytes from it, so the SHA1 answered with the URL holds, without storing the file.
 */
interface BillToken {
  /** mchid */
  m: string;
  /** bill_date */
  d: string;
  t: WechatpayBillType;
  /** tar_type=GZIP */
  z: boolean;
  /** When the bill was cut (ms). */
  a: number;
  /** How many of the day's edits it shows. */
  e: number;
  /** When the URL expires (ms). */
  x: number;
}

interface BillSnapshot {
  lines: WechatpayStatementLine[];
  asOf: Date;
  editCount: number;
}

function queryText(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  return typeof value === 'string' ? value : undefined;
}

/** What the bill endpoints need of the simulator: its storage, and settling the refunds that are due. */
export interface WechatpayBillDependencies {
  context: SimulatorContext;
  trades: WechatpayTrades;
}

/** GET /v3/bill/tradebill?bill_date=&bill_type=&tar_type= */
export async function applyForTradeBill(
  deps: WechatpayBillDependencies,
  secrets: WechatpaySandboxSecrets,
  query: Record<string, unknown>,
): Promise<ApiAnswer> {
  const date = queryText(query, 'bill_date');
  if (date === undefined || !isCalendarDate(date))
    return paramError('/bill_date', 'bill_date 须为 yyyy-MM-dd 格式的日期', 'query');
  const billType = queryText(query, 'bill_type') ?? 'ALL';
  if (BILL_TYPES_WITHOUT_DATA.includes(billType)) return noStatement();
  if (!(WECHATPAY_BILL_TYPES as readonly string[]).includes(billType))
    return paramError('/bill_type', `bill_type 不支持 ${billType}`, 'query');
  const tarType = queryText(query, 'tar_type');
  if (tarType !== undefined && tarType !== 'GZIP') return paramError('/tar_type', 'tar_type 仅支持 GZIP', 'query');
  const type = billType as WechatpayBillType;

  const snapshot = await billSnapshot(deps, secrets.mchid, date, null);
  if (linesOfBillType(snapshot.lines, type).length === 0) return noStatement();
  const file = formatWechatpayTradeBill(snapshot.lines, type, secrets);
  const token = signToken(secrets, {
    m: secrets.mchid,
    d: date,
    t: type,
    z: tarType === 'GZIP',
    a: snapshot.asOf.getTime(),
    e: snapshot.editCount,
    x: Date.now() + DOWNLOAD_URL_VALIDITY_MS,
  });
  return ok({
    hash_type: 'SHA1',
    // Of the file before compression, as WeChat's is ("原始账单(gzip需要解压缩)的摘要值").
    hash_value: createHash('sha1').update(file, 'utf8').digest('hex'),
    download_url: `${wechatpayBaseUrl(deps.context.publicUrl)}/v3/billdownload/file?token=${token}`,
  });
}

/** GET /v3/billdownload/file?token=: the file itself; `send` writes it unsigned. */
export async function downloadBill(
  deps: WechatpayBillDependencies,
  secrets: WechatpaySandboxSecrets,
  query: Record<string, unknown>,
): Promise<ApiAnswer> {
  // The download API's own errors. https://pay.weixin.qq.com/docs/partner/apis/bill-download/download-bill.html
  const invalid = apiError(400, 'INVALID_REQUEST', '参数错误，请按申请账单的API指引重新获取账单地址后再请求');
  const token = readToken(queryText(query, 'token'));
  if (!token) return invalid;
  if (token.m !== secrets.mchid) return apiError(403, 'NO_AUTH', '权限异常，请求的商户与申请账单的商户不一致');
  if (!tokenSignedBy(secrets, queryText(query, 'token') ?? '') || token.x < Date.now()) return invalid;
  const snapshot = await billSnapshot(deps, secrets.mchid, token.d, {
    asOf: new Date(token.a),
    editCount: token.e,
  });
  const file = Buffer.from(formatWechatpayTradeBill(snapshot.lines, token.t, secrets), 'utf8');
  return token.z
    ? { status: 200, body: null, file: { contentType: 'application/x-gzip', bytes: gzipSync(file) } }
    : { status: 200, body: null, file: { contentType: 'text/plain; charset=utf-8', bytes: file } };
}

const noStatement = (): ApiAnswer => apiError(400, 'NO_STATEMENT_EXIST', '请求的账单文件不存在');

/**
 * The day's lines with the planted edits, as they stand now (`pinned` null: refunds that are due
 * are settled first) or as they stood when a bill was cut.
 */
async function billSnapshot(
  deps: WechatpayBillDependencies,
  mchid: string,
  date: string,
  pinned: { asOf: Date; editCount: number } | null,
): Promise<BillSnapshot> {
  const { trades, statementEdits } = deps.context;
  if (!pinned) {
    // A refund whose minute has passed settles when something looks at its order; the bill looks at all of them.
    const now = Date.now();
    for (const stored of await trades.forAccount<WechatpaySimTrade>(PROVIDER, mchid)) {
      if (
        stored.data.refunds.some(
          (r) => r.status === 'PROCESSING' && r.settles_at !== null && Date.parse(r.settles_at) <= now,
        )
      ) {
        await deps.trades.refresh(stored);
      }
    }
  }
  const asOf = pinned?.asOf ?? new Date();
  const stored = await trades.forAccount<WechatpaySimTrade>(PROVIDER, mchid);
  const allEdits = await statementEdits.forDay(PROVIDER, mchid, date);
  // Edits are listed in the order they were planted: those planted after the bill was cut stay out of it.
  const edits = pinned ? allEdits.slice(0, pinned.editCount) : allEdits;
  const lines = applyStatementEdits(
    wechatpayStatementLines(
      stored.map((trade) => trade.data),
      date,
      asOf,
    ),
    edits,
    madeUpLineTime(date, asOf),
  );
  return { lines, asOf, editCount: edits.length };
}

/** When an `add` edit's made-up payment happened: when the bill was cut, kept inside its day, to the second. */
function madeUpLineTime(date: string, asOf: Date): Date {
  const dayStart = Date.parse(`${date}T00:00:00+08:00`);
  const at = Math.min(Math.max(asOf.getTime(), dayStart), dayStart + 86_400_000 - 1000);
  return new Date(Math.floor(at / 1000) * 1000);
}

function isCalendarDate(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text);
}

/** A key only the sandbox derives, per merchant, so that a token is neither guessable nor movable to another merchant. */
function tokenKey(secrets: WechatpaySandboxSecrets): Buffer {
  return createHash('sha256')
    .update(`wechatpay-bill-token\n${secrets.mchid}\n${secrets.api_v3_key}\n${secrets.merchant_serial_no}`)
    .digest();
}

function signToken(secrets: WechatpaySandboxSecrets, token: BillToken): string {
  const payload = Buffer.from(JSON.stringify(token)).toString('base64url');
  return `${payload}.${createHmac('sha256', tokenKey(secrets)).update(payload).digest('base64url')}`;
}

/** The token's claims, unverified (its merchant decides between NO_AUTH and INVALID_REQUEST); null when it is not one. */
function readToken(text: string | undefined): BillToken | null {
  const [payload, mac, ...rest] = (text ?? '').split('.');
  if (!payload || !mac || rest.length > 0) return null;
  try {
    const token = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<BillToken>;
    const valid =
      typeof token.m === 'string' &&
      typeof token.d === 'string' &&
      isCalendarDate(token.d) &&
      (WECHATPAY_BILL_TYPES as readonly string[]).includes(token.t as string) &&
      typeof token.z === 'boolean' &&
      Number.isSafeInteger(token.a) &&
      Number.isSafeInteger(token.e) &&
      Number.isSafeInteger(token.x);
    return valid ? (token as BillToken) : null;
  } catch {
    return null;
  }
}

function tokenSignedBy(secrets: WechatpaySandboxSecrets, text: string): boolean {
  const [payload, mac] = text.split('.');
  const expected = createHmac('sha256', tokenKey(secrets)).update(payload).digest();
  const given = Buffer.from(mac, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
