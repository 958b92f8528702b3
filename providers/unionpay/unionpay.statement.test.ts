import { zipSync } from 'fflate';
import { creditDebit, fileContentOf, zmRecord, type ZmValues } from '../../sandbox/unionpay/unionpay.statement';
import { ProviderUnavailableError } from '../errors';
import type { PaymentProvider, StatementEntry } from '../provider';
import { createUnionpayProvider } from './unionpay.provider';
import { parseZmFile, recordTimeOf, statementRecordsOf } from './unionpay.statement';
import { makeTestPki, signedByUnionpay, testMerchant, useScriptedGateway } from './unionpay.testing';

// UnionPay's statement files as the adapter reads them, built here with the sandbox's ZM writer:
// the ZM reader alone, then fetchStatement over files the sandbox never writes (a year's turn, the
// older layout, another day's or another merchant's file), from a scripted gateway that signs with
// a test PKI as UnionPay would. The round trip with the simulated UnionPay:
// unionpay.statement-fetch.test.ts.

const MER_ID = '777290058110048';
const pki = makeTestPki();
const { account } = testMerchant(pki, MER_ID);
const gateway = useScriptedGateway();
const scriptedProvider = (): PaymentProvider => createUnionpayProvider(account, { sandboxUrl: gateway.url });
/** The fields of every request the gateway received. */
const requests = () => gateway.requests.map((request) => request.fields);

/** UnionPay's answer to a file request: the zip of `files` (name → ZM records). */
function fileAnswer(request: Record<string, string>, files: Record<string, ZmValues[]>, signer = pki.signer) {
  const zip = zipSync(
    Object.fromEntries(
      Object.entries(files).map(([name, records]) => [
        name,
        Buffer.concat(records.flatMap((r) => [zmRecord(r), Buffer.from('\r\n')])),
      ]),
    ),
  );
  return signedByUnionpay(
    {
      version: '5.1.0',
      encoding: 'UTF-8',
      signMethod: '01',
      txnType: '76',
      txnSubType: '01',
      bizType: '000000',
      accessType: '0',
      merId: MER_ID,
      txnTime: request.txnTime,
      settleDate: request.settleDate,
      fileType: '00',
      respCode: '00',
      respMsg: '成功[0000000]',
      fileName: `${MER_ID}_x.zip`,
      fileContent: fileContentOf(zip),
    },
    signer,
  );
}

const consumeRecord = (orderId: string, queryId: string, traceTime: string, fen: number): ZmValues => ({
  txnCode: 'S22',
  traceNo: '123456',
  txnTime: traceTime,
  txnAmt: String(fen),
  queryId,
  orderId,
  txnType: '01',
  txnSubType: '01',
  bizType: '000201',
  merId: MER_ID,
  settleAmt: creditDebit('C', fen),
});

const refundRecord = (
  orderId: string,
  queryId: string,
  traceTime: string,
  fen: number,
  orig: { queryId: string; orderId?: string },
): ZmValues => ({
  txnCode: 'S30',
  traceNo: '654321',
  txnTime: traceTime,
  txnAmt: String(fen),
  queryId,
  orderId,
  txnType: '04',
  txnSubType: '00',
  bizType: '000201',
  merId: MER_ID,
  settleAmt: creditDebit('D', fen),
  origQryId: orig.queryId,
  origOrderId: orig.orderId ?? '',
});

describe('reading ZM records', () => {
  test('a record’s MMDDhhmmss takes the year nearest the statement’s day', () => {
    expect(recordTimeOf('1231235959', '2031-01-01')).toEqual(new Date('2030-12-31T23:59:59+08:00'));
    expect(recordTimeOf('0101000000', '2030-12-31')).toEqual(new Date('2031-01-01T00:00:00+08:00'));
    expect(recordTimeOf('0601120000', '2031-06-01')).toEqual(new Date('2031-06-01T12:00:00+08:00'));
    expect(recordTimeOf('0229120000', '2031-03-01')).toBeNull();
    expect(recordTimeOf('0230120000', '2028-03-01')).toBeNull();
    expect(recordTimeOf('12312359', '2031-01-01')).toBeNull();
  });

  test('lines may end in LF or CRLF; blank lines are skipped; other kinds of transaction are left out', () => {
    const cancel: ZmValues = {
      ...consumeRecord('payC000000000001', '310101000000000000009', '0101000000', 5),
      txnCode: 'S31',
      txnType: '31',
    };
    const bytes = Buffer.concat([
      zmRecord(consumeRecord('payA000000000001', '310101000000000000001', '0101000000', 5)),
      Buffer.from('\n\r\n'),
      zmRecord(cancel),
      Buffer.from('\n'),
    ]);
    const records = parseZmFile(bytes);
    expect(records.map((r) => r.orderId)).toEqual(['payA000000000001', 'payC000000000001']);
    expect(statementRecordsOf(records, { merId: MER_ID, date: '2031-01-01' }).map((r) => r.orderId)).toEqual([
      'payA000000000001',
    ]);
  });

  test('a record cut short before 商户代码 does not read', () => {
    expect(() =>
      parseZmFile(zmRecord(consumeRecord('payA000000000001', '1', '0101000000', 5)).subarray(0, 300)),
    ).toThrow(/shorter than/);
  });
});

describe('fetchStatement, files the sandbox never writes', () => {
  test('the request is ACP’s file transfer: txnType 76, txnSubType 01, bizType 000000, fileType 00, settleDate MMDD, signed with the merchant’s certificate', async () => {
    gateway.requests.length = 0;
    gateway.script = (request) => fileAnswer(request, { INN31010188ZM_777290058110048: [] });
    expect(await scriptedProvider().fetchStatement('2031-01-01')).toEqual([]);
    expect(requests()[0]).toEqual({
      version: '5.1.0',
      encoding: 'UTF-8',
      signMethod: '01',
      certId: expect.stringMatching(/^\d+$/),
      accessType: '0',
      merId: MER_ID,
      txnType: '76',
      txnSubType: '01',
      bizType: '000000',
      txnTime: expect.stringMatching(/^\d{14}$/),
      fileType: '00',
      settleDate: '0101',
      signature: expect.any(String),
    });
  });

  test('in the file of 1 January a transaction of 31 December keeps its year; a refund names its consume by 原始交易订单号, or (older layout) by queryId, in the file or by asking', async () => {
    gateway.requests.length = 0;
    const older = { orderId: 'payOlder00000001', queryId: '301230120000000000001' };
    gateway.script = (request) =>
      request.txnType === '00'
        ? signedByUnionpay(
            {
              version: '5.1.0',
              encoding: 'UTF-8',
              signMethod: '01',
              txnType: '00',
              txnSubType: '02',
              merId: MER_ID,
              respCode: '00',
              origRespCode: '00',
              orderId: older.orderId,
              queryId: request.queryId,
              txnAmt: '5000',
            },
            pki.signer,
          )
        : fileAnswer(request, {
            INN31010188ZM_777290058110048: [
              consumeRecord('payLate000000001', '301231235959000000001', '1231235959', 1999),
              refundRecord('payLate000000001R1', '310101000100000000002', '0101000100', 999, {
                queryId: '301231235959000000001',
              }),
              refundRecord('payOlder00000001R1', '310101080000000000003', '0101080000', 100, {
                queryId: older.queryId,
              }),
              refundRecord('payNamed00000001R1', '310101090000000000004', '0101090000', 300, {
                queryId: '301201000000000000004',
                orderId: 'payNamed00000001',
              }),
            ],
            INN31010188ZME_777290058110048: [],
          });
    const entries = await scriptedProvider().fetchStatement('2031-01-01');
    expect(entries).toEqual<StatementEntry[]>([
      {
        kind: 'payment',
        outTradeNo: 'payLate000000001',
        outRefundNo: null,
        providerTradeNo: '301231235959000000001',
        amountMinor: 1999,
        at: new Date('2030-12-31T23:59:59+08:00'),
      },
      {
        kind: 'refund',
        outTradeNo: 'payLate000000001',
        outRefundNo: 'payLate000000001R1',
        providerTradeNo: '310101000100000000002',
        amountMinor: 999,
        at: new Date('2031-01-01T00:01:00+08:00'),
      },
      {
        kind: 'refund',
        outTradeNo: older.orderId,
        outRefundNo: 'payOlder00000001R1',
        providerTradeNo: '310101080000000000003',
        amountMinor: 100,
        at: new Date('2031-01-01T08:00:00+08:00'),
      },
      {
        kind: 'refund',
        outTradeNo: 'payNamed00000001',
        outRefundNo: 'payNamed00000001R1',
        providerTradeNo: '310101090000000000004',
        amountMinor: 300,
        at: new Date('2031-01-01T09:00:00+08:00'),
      },
    ]);
    // Only the consume the file does not name was asked about, by its queryId alone.
    expect(requests().filter((r) => r.txnType === '00')).toEqual([
      expect.objectContaining({ txnSubType: '02', queryId: older.queryId }),
    ]);
    expect(requests().find((r) => r.txnType === '00')).not.toHaveProperty('orderId');
  });

  test.each<[string, string, (request: Record<string, string>) => Record<string, string>]>([
    [
      'an answer signed by a certificate outside the configured chain',
      'response_signature_invalid',
      (r) => fileAnswer(r, { INN31010188ZM_777290058110048: [] }, makeTestPki().signer),
    ],
    [
      'a zip without the day’s ZM file (last year’s, say)',
      'malformed_response',
      (r) =>
        fileAnswer(r, {
          INN30010188ZM_777290058110048: [consumeRecord('payOld0000000001', '300101000000000000001', '0101000000', 1)],
        }),
    ],
    [
      'a record of another merchant',
      'malformed_response',
      (r) =>
        fileAnswer(r, {
          INN31010188ZM_777290058110048: [
            { ...consumeRecord('payX000000000001', '1', '0101000000', 1), merId: '777000000000000' },
          ],
        }),
    ],
    [
      'fileContent that does not inflate',
      'malformed_response',
      (r) =>
        signedByUnionpay(
          {
            version: '5.1.0',
            signMethod: '01',
            merId: MER_ID,
            respCode: '00',
            settleDate: r.settleDate,
            fileContent: 'UEsDBA==',
          },
          pki.signer,
        ),
    ],
    [
      'another day’s file',
      'malformed_response',
      (r) => fileAnswer({ ...r, settleDate: '1231' }, { INN31010188ZM_777290058110048: [] }),
    ],
  ])('%s is refused, retryably (%s)', async (_name, providerCode, answer) => {
    gateway.script = answer;
    await expect(scriptedProvider().fetchStatement('2031-01-01')).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode,
    });
  });
});
