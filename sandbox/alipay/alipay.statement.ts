import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import iconv from 'iconv-lite';
import { chinaDate } from '../../domain/china-time';
import type { SimulatorContext } from '../simulator';
import { alipayBillFiles, billLines, billUserId, compactDate, zipFiles } from './alipay.bill';
import { businessFailed, PROVIDER, success, type AlipaySandboxSecrets } from './alipay.model';

// Alipay's trade bill (对账单): alipay.data.dataservice.bill.downloadurl.query answers a short-lived
// URL, which serves `<userId>_<yyyymmdd>.csv.zip` holding two GBK CSV files, the detail
// (业务明细) and its summary (业务明细(汇总)). https://opendocs.alipay.com/open/02e7gr (the API),
// https://opendocs.alipay.com/open/204/106262 (reconciliation). The files themselves are
// alipay.bill.ts.

/** Alipay: "账单下载地址链接，获取连接后30秒后未下载，链接地址失效". Real time, never divided by the time scale. */
export const BILL_URL_TTL_MS = 30_000;

/** Where bills are served, under `/alipay` (Alipay: `dwbillcenter.alipay.com/downloadBillFile.resource`). */
export const BILL_DOWNLOAD_PATH = '/downloadBillFile.resource';

// ---- the gateway method ----------------------------------------------------------------------

/** The answer for bad business parameters. Guessed: Alipay documents only the sub_code. */
const invalidArguments = (detail: string) => businessFailed('isv.invalid_arguments', `参数不合法: ${detail}`);

/**
 * alipay.data.dataservice.bill.downloadurl.query: `bill_download_url` for a day with lines, and
 * isp.bill_not_exist for a day without. Unlike Alipay (T+1, from about 09:00 the next day), the
 * sandbox serves any past day and today so far; it refuses later days, monthly bills and bill
 * types other than `trade`.
 */
export async function billDownloadUrlQuery(
  context: SimulatorContext,
  secrets: AlipaySandboxSecrets,
  biz: Record<string, unknown>,
  now = new Date(),
): Promise<Record<string, unknown>> {
  const billType = biz.bill_type;
  if (typeof billType !== 'string' || billType === '') return invalidArguments('bill_type 不能为空');
  if (billType !== 'trade') return invalidArguments(`沙箱只提供 trade 账单，不提供 ${billType}`);
  const billDate = biz.bill_date;
  if (typeof billDate !== 'string' || billDate === '') return invalidArguments('bill_date 不能为空');
  if (/^\d{4}-\d{2}$/.test(billDate)) return invalidArguments('沙箱只提供日账单 (yyyy-MM-dd)');
  if (!isCalendarDate(billDate)) return invalidArguments('bill_date 格式应为 yyyy-MM-dd');
  if (billDate > chinaDate(now)) return invalidArguments('不能下载未来日期的账单');

  const lines = await billLines(context, secrets.app_id, billDate);
  if (lines.length === 0) return businessFailed('isp.bill_not_exist', '账单不存在');
  return success({ bill_download_url: billDownloadUrl(context.publicUrl, secrets, billDate, now) });
}

function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const parsed = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === text;
}

/**
 * A URL shaped like Alipay's, plus `appId` (Alipay finds the merchant by `userId`). The token is
 * an HMAC over the app, the day and the time of issue, keyed by a hash of the app's Alipay private
 * key: any sandbox sharing the database can check it, after a restart too, and nobody without the
 * key can make one.
 */
export function billDownloadUrl(publicUrl: string, secrets: AlipaySandboxSecrets, billDate: string, now: Date): string {
  const userId = billUserId(secrets);
  const day = compactDate(billDate);
  const timestamp = String(now.getTime());
  const params = new URLSearchParams({
    bizType: 'trade',
    userId,
    fileType: 'csv.zip',
    bizDates: day,
    downloadFileName: `${userId}_${day}.csv.zip`,
    fileId: `/trade/${userId}/${day}.csv.zip`,
    timestamp,
    appId: secrets.app_id,
    token: billToken(secrets, day, timestamp),
  });
  return `${publicUrl}/alipay${BILL_DOWNLOAD_PATH}?${params.toString()}`;
}

function billToken(secrets: AlipaySandboxSecrets, day: string, timestamp: string): string {
  const key = createHash('sha256')
    .update('tongbao sandbox alipay bill url\n')
    .update(secrets.platform_private_key)
    .digest();
  return createHmac('sha256', key).update(`trade\n${secrets.app_id}\n${day}\n${timestamp}`).digest('hex').slice(0, 32);
}

// ---- the download ----------------------------------------------------------------------------

export interface BillDownload {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

/** Alipay's answers to a link that is wrong or too old are not documented beyond this message; the status is a guess. */
const refused = (message: string): BillDownload => ({
  status: 403,
  headers: { 'content-type': 'text/plain; charset=utf-8' },
  body: message,
});

/** `GET /alipay/downloadBillFile.resource?…`: the zipped bill, built as of now, or a refusal. */
export async function downloadBill(
  context: SimulatorContext,
  query: Record<string, unknown>,
  now = new Date(),
): Promise<BillDownload> {
  const param = (name: string) => (typeof query[name] === 'string' ? query[name] : '');
  const appId = param('appId');
  const day = param('bizDates');
  const timestamp = param('timestamp');
  const token = param('token');
  if (!appId || !/^\d{8}$/.test(day) || !/^\d{1,15}$/.test(timestamp) || !/^[0-9a-f]{32}$/.test(token))
    return refused('下载链接无效');
  const account = await context.accounts.get<AlipaySandboxSecrets>(PROVIDER, appId);
  if (!account) return refused('下载链接无效');
  const secrets = account.secrets;
  if (!timingSafeEqual(Buffer.from(billToken(secrets, day, timestamp)), Buffer.from(token)))
    return refused('下载链接无效');
  const age = now.getTime() - Number(timestamp);
  if (age > BILL_URL_TTL_MS || age < -5_000) return refused('下载超时，请重新下载');

  const date = `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6)}`;
  const lines = await billLines(context, appId, date);
  const userId = billUserId(secrets);
  const files = alipayBillFiles({ userId, date, lines, exportedAt: now });
  const zip = zipFiles(
    files.map((file) => ({ name: iconv.encode(file.name, 'gbk'), data: iconv.encode(file.text, 'gbk') })),
    now,
  );
  context.logger.info({ provider: PROVIDER, app_id: appId, bill_date: date, lines: lines.length }, 'bill downloaded');
  return {
    status: 200,
    headers: {
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename="${userId}_${day}.csv.zip"`,
    },
    body: zip,
  };
}
