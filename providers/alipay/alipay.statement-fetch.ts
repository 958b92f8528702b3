import { ProviderInvalidRequestError } from '../errors';
import type { StatementEntry } from '../provider';
import { ALIPAY_SUCCESS, failedAnswer, malformedAnswer, type AlipayClient } from './alipay.client';
import { parseAlipayTradeBill, readAlipayBillZip } from './alipay.statement';
import {
  alipayDataDataserviceBillDownloadurlQueryResponseSchema,
  type AlipayDataDataserviceBillDownloadurlQueryBizContent,
} from './alipay.types';

// fetchStatement for Alipay: the day's trade bill asked for (alipay.data.dataservice.bill.downloadurl.query),
// its zip downloaded from the signed link (alipay.client.ts), unzipped and read (alipay.statement.ts).

const BILL_QUERY = 'alipay.data.dataservice.bill.downloadurl.query';

/** The statement's entries of the day (YYYY-MM-DD, China time); none on a day without trades. */
export async function fetchAlipayStatement(client: AlipayClient, date: string): Promise<StatementEntry[]> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date))
    throw new ProviderInvalidRequestError(`a statement date is YYYY-MM-DD, not ${JSON.stringify(date)}`);
  // `trade` is the bill of what Alipay acquired through the trade APIs, the orders Tongbao made.
  const bizContent: AlipayDataDataserviceBillDownloadurlQueryBizContent = { bill_type: 'trade', bill_date: date };
  const answer = await client.call(BILL_QUERY, bizContent, alipayDataDataserviceBillDownloadurlQueryResponseSchema);
  if (answer.code !== ALIPAY_SUCCESS) {
    // Alipay's answer for a day without a bill: no trades that day. (It says the same before
    // the bill is generated, about 09:00 the next day, China time.)
    if (answer.sub_code === 'isp.bill_not_exist') return [];
    throw failedAnswer(BILL_QUERY, answer);
  }
  if (!answer.bill_download_url) throw malformedAnswer(BILL_QUERY, 'no bill_download_url');
  const zip = await client.downloadBill(BILL_QUERY, answer.bill_download_url);
  return parseAlipayTradeBill(readAlipayBillZip(zip), date);
}
