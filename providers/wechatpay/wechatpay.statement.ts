import type { StatementEntry } from '../provider';

// WeChat Pay's trade bill (交易账单, bill_type=ALL) read into StatementEntries. The file: a UTF-8
// BOM, a header row, one row per payment or refund with every value prefixed by a back-quote, then
// a summary header and a summary row; amounts in yuan, times in China time.
// https://pay.weixin.qq.com/docs/merchant/products/bill-download/format-trade.html

/** Raised when a downloaded bill is not in the format WeChat documents, or does not add up. */
export class WechatpayBillFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WechatpayBillFormatError';
  }
}

/**
 * Refund rows whose refund came to nothing: the bill lists a refund on the day WeChat accepted it,
 * with the status it had when the bill was cut, and 退款关闭 (v3 `CLOSED`, v2's `FAIL`) moved no money.
 */
const REFUND_STATUSES_WITHOUT_MONEY = ['CLOSED', 'FAIL'];

/**
 * Columns read, by name (WeChat says the order is the header's). Amounts are those the merchant
 * asked for: 订单金额 is the order's `amount.total`, 申请退款金额 the refund's `amount.refund`; the
 * settled amounts (应结订单金额, 退款金额) leave out coupons WeChat funded. Bills in the pre-2018
 * format name the order total 总金额 and have no 申请退款金额.
 */
const COLUMNS = {
  time: ['交易时间'],
  mchid: ['商户号'],
  transactionId: ['微信订单号'],
  outTradeNo: ['商户订单号'],
  state: ['交易状态'],
  outRefundNo: ['商户退款单号'],
  refundStatus: ['退款状态'],
  paymentAmount: ['订单金额', '总金额'],
  refundAmount: ['申请退款金额', '退款金额'],
} as const;

/**
 * Every payment and refund row of an ALL bill, for merchant `mchid`. Refund rows carry our refund
 * number in `outRefundNo` and the payment's 微信订单号 in `providerTradeNo`. Throws
 * `WechatpayBillFormatError` for a file that is not such a bill, names another merchant, or whose
 * summary counts another number of rows.
 */
export function parseWechatpayTradeBill(text: string, mchid: string): StatementEntry[] {
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const header = (lines[0] ?? '').split(',');
  const column = (names: readonly string[]): number => {
    // In the order of `names`: the header has 退款金额 before 申请退款金额, and the latter is wanted.
    const index = names.map((name) => header.indexOf(name)).find((found) => found >= 0) ?? -1;
    if (index < 0) throw new WechatpayBillFormatError(`the bill has no ${names.join(' or ')} column in its first line`);
    return index;
  };
  const at = Object.fromEntries(Object.entries(COLUMNS).map(([key, names]) => [key, column(names)])) as Record<
    keyof typeof COLUMNS,
    number
  >;

  const summaryAt = lines.findIndex((line, index) => index > 0 && line.startsWith('总交易单数'));
  if (summaryAt < 0 || summaryAt + 1 >= lines.length)
    throw new WechatpayBillFormatError('the bill has no summary (总交易单数…)');
  const details = lines.slice(1, summaryAt);

  const entries = details.flatMap((line, index): StatementEntry[] => {
    const row = `row ${index + 2}`;
    // Rows are not quoted in messages: they carry the payer's openid and the merchant's descriptions.
    if (!line.startsWith('`')) throw new WechatpayBillFormatError(`${row} does not start with a back-quote`);
    // Splitting on ",`" rather than "," keeps a comma inside a description (商品名称) in its field.
    const fields = line.slice(1).split(',`');
    if (fields.length !== header.length) {
      throw new WechatpayBillFormatError(`${row} has ${fields.length} fields, the header ${header.length}`);
    }
    const field = (key: keyof typeof COLUMNS) => fields[at[key]];
    if (field('mchid') !== mchid)
      throw new WechatpayBillFormatError(`${row} is merchant ${field('mchid')}'s, not ${mchid}'s`);
    const outTradeNo = field('outTradeNo');
    if (!outTradeNo) throw new WechatpayBillFormatError(`${row} has no 商户订单号`);
    const base = { outTradeNo, providerTradeNo: field('transactionId') || null, at: chinaTime(field('time'), row) };
    switch (field('state')) {
      case 'SUCCESS':
        return [{ ...base, kind: 'payment', outRefundNo: null, amountMinor: yuanToFen(field('paymentAmount'), row) }];
      case 'REFUND': {
        if (REFUND_STATUSES_WITHOUT_MONEY.includes(field('refundStatus'))) return [];
        const outRefundNo = field('outRefundNo');
        if (!outRefundNo || outRefundNo === '0')
          throw new WechatpayBillFormatError(`${row} is a refund without 商户退款单号`);
        return [{ ...base, kind: 'refund', outRefundNo, amountMinor: yuanToFen(field('refundAmount'), row) }];
      }
      default:
        // Only 付款码 (MICROPAY) orders, which Tongbao never makes, can show REVOKED here.
        throw new WechatpayBillFormatError(
          `${row} has 交易状态 ${JSON.stringify(field('state'))}, neither SUCCESS nor REFUND`,
        );
    }
  });

  // The SHA1 proves the file arrived whole; the count proves it was read whole.
  const summaryHeader = lines[summaryAt].split(',');
  const summary = lines[summaryAt + 1].split(',').map((value) => value.replace(/^`/, ''));
  const count = summary[summaryHeader.indexOf('总交易单数')];
  if (count === undefined || !/^\d+$/.test(count) || Number(count) !== details.length) {
    throw new WechatpayBillFormatError(
      `the summary counts ${count ?? 'no'} rows (总交易单数), the bill has ${details.length}`,
    );
  }
  return entries;
}

/** `19.99` → 1999. Yuan with at most two decimals, read as text: never through a float. */
export function yuanToFen(text: string, where = 'amount'): number {
  const match = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) throw new WechatpayBillFormatError(`${where}: ${JSON.stringify(text)} is not an amount in yuan`);
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

/** `2021-01-28 17:07:11`, China time (UTC+8). */
function chinaTime(text: string, where: string): Date {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(text);
  const ms = match ? Date.parse(`${match[1]}T${match[2]}+08:00`) : Number.NaN;
  if (Number.isNaN(ms))
    throw new WechatpayBillFormatError(`${where}: 交易时间 ${JSON.stringify(text)} is not yyyy-MM-dd HH:mm:ss`);
  return new Date(ms);
}
