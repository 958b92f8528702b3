import { ProviderInvalidRequestError } from '../errors';
import type { StatementEntry } from '../provider';
import { failedAnswer, malformedAnswer, type UnionpayClient } from './unionpay.client';
import { respClassOf } from './unionpay.errors';
import { toUnionpayTime } from './unionpay.mapping';
import {
  parseZmFile,
  settleDateOf,
  statementRecordsOf,
  UnionpayStatementError,
  unpackFileContent,
  zmFileNameOf,
  type UnionpayStatementRecord,
} from './unionpay.statement';
import {
  unionpayFileTransferResponseSchema,
  unionpayQueryResponseSchema,
  type UnionpayFileTransferRequest,
  type UnionpayQueryByIdRequest,
} from './unionpay.types';

// fetchStatement for UnionPay: the day's file asked for with ACP's file transfer (txnType 76), its
// ZM records read (unionpay.statement.ts), and each refund tied to the consume it refunds.

/** The statement's entries of the day (YYYY-MM-DD, China time); none when UnionPay has no file for it. */
export async function fetchUnionpayStatement(client: UnionpayClient, date: string): Promise<StatementEntry[]> {
  const records = await statementRecords(client, date);
  if (!records) return [];
  // A refund record names its consume by 原始交易订单号; files of the older layout lack it and
  // name it only by queryId (原交易查询流水号): the consume's record of the same day says which
  // order that is, and for an older consume queryTrans does.
  const consumes = new Map(records.filter((r) => r.kind === 'payment').map((r) => [r.queryId, r.orderId]));
  const entries: StatementEntry[] = [];
  for (const record of records) {
    const common = { providerTradeNo: record.queryId, amountMinor: record.amountMinor, at: record.at };
    if (record.kind === 'payment') {
      entries.push({ kind: 'payment', outTradeNo: record.orderId, outRefundNo: null, ...common });
      continue;
    }
    let outTradeNo = record.origOrderId ?? (record.origQryId ? consumes.get(record.origQryId) : undefined);
    if (!outTradeNo && record.origQryId) outTradeNo = await orderIdOfQueryId(client, record.origQryId);
    if (!outTradeNo)
      throw malformedAnswer(
        'fileTransRequest',
        `refund ${record.orderId} in the statement names no original transaction`,
      );
    entries.push({ kind: 'refund', outTradeNo, outRefundNo: record.orderId, ...common });
  }
  return entries;
}

/**
 * The statement's records of the day, or null when UnionPay has no file for it. settleDate is
 * MMDD: UnionPay resolves it to the latest such day, and we check that the zip holds the file
 * named for our full date (INN<yymmdd>88ZM_<merId>), so a year-old file cannot pass for it.
 */
async function statementRecords(client: UnionpayClient, date: string): Promise<UnionpayStatementRecord[] | null> {
  const settleDate = settleDateOf(date);
  if (!settleDate)
    throw new ProviderInvalidRequestError(`a statement's date is YYYY-MM-DD, got ${JSON.stringify(date)}`);
  const cfg = client.config();
  const request: UnionpayFileTransferRequest = {
    ...client.merchantFields(),
    txnType: '76',
    txnSubType: '01',
    bizType: '000000',
    txnTime: toUnionpayTime(client.now()),
    fileType: '00',
    settleDate,
  };
  const answer = await client.call('fileTransRequest', request, unionpayFileTransferResponseSchema);
  // 98 文件不存在: UnionPay makes no file for a day without transactions.
  if (answer.respCode === '98') return null;
  if (respClassOf(answer.respCode) !== 'ok') throw failedAnswer('fileTransRequest', answer);
  if (answer.settleDate !== undefined && answer.settleDate !== settleDate) {
    throw malformedAnswer(
      'fileTransRequest',
      `answered with the file of settleDate ${answer.settleDate}, not ${settleDate}`,
    );
  }
  if (!answer.fileContent) throw malformedAnswer('fileTransRequest', 'respCode 00 without fileContent');
  try {
    const files = unpackFileContent(answer.fileContent);
    const name = zmFileNameOf(date, cfg.merId);
    const detail = Object.entries(files).find(([path]) => path.split('/').pop() === name)?.[1];
    if (!detail)
      throw new UnionpayStatementError(`the zip holds no ${name}, only ${Object.keys(files).join(', ') || 'nothing'}`);
    return statementRecordsOf(parseZmFile(detail), { merId: cfg.merId, date });
  } catch (error) {
    if (error instanceof UnionpayStatementError) throw malformedAnswer('fileTransRequest', error.message);
    throw error;
  }
}

/**
 * The orderId of the consume UnionPay numbered `queryId`, asked by that number (txnSubType 02,
 * 流水号查询; acpAPIId=901), for a refund whose statement record does not name its consume.
 */
async function orderIdOfQueryId(client: UnionpayClient, queryId: string): Promise<string> {
  const request: UnionpayQueryByIdRequest = {
    ...client.merchantFields(),
    txnType: '00',
    txnSubType: '02',
    bizType: '000000',
    queryId,
  };
  const answer = await client.call('queryTrans', request, unionpayQueryResponseSchema);
  if (respClassOf(answer.respCode) === 'not_found') {
    throw malformedAnswer(
      'queryTrans',
      `a refund in the statement names consume queryId ${queryId}, which UnionPay does not find`,
    );
  }
  if (respClassOf(answer.respCode) !== 'ok') throw failedAnswer('queryTrans', answer);
  if (!answer.orderId || (answer.queryId !== undefined && answer.queryId !== queryId)) {
    throw malformedAnswer(
      'queryTrans',
      `the query for queryId ${queryId} answered orderId ${answer.orderId ?? '(none)'}, queryId ${answer.queryId ?? '(none)'}`,
    );
  }
  return answer.orderId;
}
