import { ProviderInvalidRequestError } from '../errors';
import type { StatementEntry } from '../provider';
import { isWechatpayCode, malformedAnswer, type WechatpayClient, type WechatpayOperation } from './wechatpay.client';
import { classifyWechatpayFailure } from './wechatpay.errors';
import { parseWechatpayTradeBill, WechatpayBillFormatError } from './wechatpay.statement';
import { wechatpayTradeBillSchema } from './wechatpay.types';

// fetchStatement for WeChat Pay: the day's trade bill asked for (GET v3/bill/tradebill), downloaded
// and checked against its signed digest (wechatpay.client.ts), and read (wechatpay.statement.ts).

/** The statement's entries of the day (YYYY-MM-DD, China time); none on a day without payments or refunds. */
export async function fetchWechatpayStatement(
  client: WechatpayClient,
  mchid: string,
  date: string,
): Promise<StatementEntry[]> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date))
    throw new ProviderInvalidRequestError(`a statement's date is YYYY-MM-DD, not ${JSON.stringify(date)}`);
  const operation: WechatpayOperation = {
    name: `trade bill of ${date}`,
    method: 'GET',
    url: 'v3/bill/tradebill',
    params: { bill_date: date, bill_type: 'ALL' },
  };
  const answer = await client.send(operation);
  if (!answer.ok) {
    // WeChat's answer for a day on which the merchant had no payment and no refund.
    // https://pay.weixin.qq.com/doc/v3/merchant/4013071254
    if (isWechatpayCode(answer.failure, ['NO_STATEMENT_EXIST'])) return [];
    throw classifyWechatpayFailure(answer.failure, operation.name);
  }
  const bill = client.parse(operation.name, wechatpayTradeBillSchema, answer.data);
  const bytes = await client.downloadBill(operation.name, bill.download_url, bill.hash_value);
  try {
    return parseWechatpayTradeBill(bytes.toString('utf8'), mchid);
  } catch (error) {
    if (error instanceof WechatpayBillFormatError) throw malformedAnswer(operation.name, error.message);
    throw error;
  }
}
