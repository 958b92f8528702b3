import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { SimulatorContext } from '../simulator';
import { applyStatementEdits } from '../statements';
import {
  formatWechatpayTradeBill,
  linesOfBillType,
  WECHATPAY_BILL_TYPES,
  wechatpayStatementLines,
  type WechatpayBillType,
  type WechatpayStatementLine,
} from './wechatpay.bill';
import {
  apiError,
  ok,
  paramError,
  PROVIDER,
  wechatpayBaseUrl,
  type ApiAnswer,
  type WechatpaySandboxSecrets,
  type WechatpaySimTrade,
} from './wechatpay.model';
import type { WechatpayTrades } from './wechatpay.trades';

// WeChat Pay's trade bill (交易账单): GET /v3/bill/tradebill answers a signed
// {hash_type, hash_value, download_url}; the download is the raw file, unsigned, checked by its SHA1.
// https://pay.weixin.qq.com/doc/v3/merchant/4012556654 (申请交易账单)
// The file itself is wechatpay.bill.ts.
// https://pay.weixin.qq.com/doc/v3/merchant/4013071254 (常见问题: NO_STATEMENT_EXIST, 下载不返回签名)

/** Bill types WeChat also offers, for data no sandbox merchant has (充值券 refunds, 个性化账单): never a bill. */
const BILL_TYPES_WITHOUT_DATA = ['RECHARGE_REFUND', 'ALL_SPECIAL', 'SUC_SPECIAL', 'REF_SPECIAL'];

/** WeChat's download_url is valid 5 minutes (30 s in the older pages); wall-clock, not time-scaled. */
const DOWNLOAD_URL_VALIDITY_MS = 5 * 60_000;

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
