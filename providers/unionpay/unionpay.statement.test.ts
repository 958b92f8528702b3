import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { zipSync } from 'fflate';
import {
  eventually,
  newOutTradeNo,
  startReceiver,
  startTestSandbox,
  type Receiver,
  type TestSandbox,
} from '../../sandbox/sandbox.testing';
import { creditDebit, fileContentOf, zmRecord, type ZmValues } from '../../sandbox/unionpay/unionpay.statement';
import { ProviderInvalidRequestError, ProviderUnavailableError } from '../errors';
import type { PaymentProvider, ProviderOrderRef, StatementEntry } from '../provider';
import type { ProviderAccount } from '../../domain/provider-account';
import { unionpayCredentialsFromSandbox } from './unionpay.config';
import { createUnionpayProvider } from './unionpay.provider';
import { parseZmFile, recordTimeOf, statementRecordsOf } from './unionpay.statement';
import { issueTestCert, makePfx, makeTestPki, signedByUnionpay } from './unionpay.testing';
import { chinaDate } from '../../domain/china-time';

// fetchStatement: the day's statement fetched with ACP's file transfer, its answer trusted only
// once verified, its zip unpacked and its ZM records read into StatementEntry lines. First against
// the simulated UnionPay, then against a scripted gateway for files the sandbox never writes.

let sandbox: TestSandbox;
let receiver: Receiver;

beforeAll(async () => {
  // A refund settles 10 s ÷ 1000 after UnionPay accepts it.
  sandbox = await startTestSandbox({ timeScale: 1000 });
  receiver = await startReceiver();
});

afterAll(async () => {
  await sandbox?.close();
  await receiver?.close();
});

async function newProvider(): Promise<{ provider: PaymentProvider; account: ProviderAccount }> {
  const opened = await sandbox.control<Record<string, string>>('POST', '/_control/accounts', { provider: 'unionpay' });
  expect(opened.status).toBe(201);
  const credentials = unionpayCredentialsFromSandbox(opened.body);
  const account: ProviderAccount = {
    id: `pa_${credentials.merId}`,
    provider: 'unionpay',
    livemode: false,
    externalId: credentials.merId,
    credentials,
  };
  return { provider: createUnionpayProvider(account, { sandboxUrl: sandbox.url }), account };
}

/** Created, carried to UnionPay by the shopper's browser, and paid with the test card. */
async function paidPayment(provider: PaymentProvider, amountMinor: number): Promise<ProviderOrderRef> {
  const outTradeNo = newOutTradeNo('pay');
  const createdAt = new Date();
  const { nextAction } = await provider.createPayment({
    channel: 'unionpay_pc',
    outTradeNo,
    amountMinor,
    currency: 'CNY',
    description: 'Tea 茶',
    notifyUrl: `${receiver.url}/${outTradeNo}`,
    returnUrl: null,
    createdAt,
    expiresAt: new Date(Date.now() + 15 * 60_000),
    clientIp: null,
    openid: null,
  });
  if (nextAction.type !== 'redirect_to_url' || !nextAction.redirect_to_url.form)
    throw new Error(`expected a form, got ${nextAction.type}`);
  const submitted = await fetch(nextAction.redirect_to_url.url, {
    method: 'POST',
    body: new URLSearchParams(nextAction.redirect_to_url.form),
    redirect: 'manual',
  });
  expect(submitted.status).toBe(302);
  expect(
    (
      await sandbox.control('POST', '/_control/pay', {
        provider: 'unionpay',
        out_trade_no: outTradeNo,
        outcome: 'success',
      })
    ).status,
  ).toBe(200);
  return { outTradeNo, createdAt };
}

/** A refund of the payment, waited for until UnionPay settled it; its number and UnionPay's. */
async function settledRefund(
  provider: PaymentProvider,
  order: ProviderOrderRef,
  amountMinor: number,
  totalAmountMinor: number,
) {
  const refund = { outTradeNo: order.outTradeNo, outRefundNo: `${order.outTradeNo}R1`, requestedAt: new Date() };
  await provider.refund({
    ...refund,
    paymentCreatedAt: order.createdAt,
    amountMinor,
    totalAmountMinor,
    reason: null,
    notifyUrl: `${receiver.url}/${refund.outRefundNo}`,
  });
  return eventually(async () => {
    const found = await provider.queryRefund(refund);
    expect(found.status).toBe('succeeded');
    return found;
  });
}

const today = () => chinaDate(new Date());
const near = (at: Date, ms = 60_000) => ({
  asymmetricMatch: (d: unknown) => d instanceof Date && Math.abs(d.getTime() - at.getTime()) < ms,
});

describe('fetchStatement against the simulated UnionPay', () => {
  test('a paid consume and its settled refund are the day’s lines, with their amounts and UnionPay’s numbers', async () => {
    const { provider } = await newProvider();
    const order = await paidPayment(provider, 1999);
    const paid = await provider.queryPayment(order);
    const refund = await settledRefund(provider, order, 500, 1999);

    const entries = await provider.fetchStatement(chinaDate(new Date(paid.paidAt ?? '')));
    expect(entries).toEqual<StatementEntry[]>([
      {
        kind: 'payment',
        outTradeNo: order.outTradeNo,
        outRefundNo: null,
        providerTradeNo: paid.providerTradeNo,
        amountMinor: 1999,
        at: new Date(paid.paidAt ?? ''),
      },
      {
        kind: 'refund',
        outTradeNo: order.outTradeNo,
        outRefundNo: `${order.outTradeNo}R1`,
        providerTradeNo: refund.providerRefundNo,
        amountMinor: 500,
        at: near(new Date()) as unknown as Date,
      },
    ]);
  });

  test('edits show: a dropped payment is missing, an amount differs, a made-up order appears', async () => {
    const { provider, account } = await newProvider();
    const kept = await paidPayment(provider, 1200);
    const dropped = await paidPayment(provider, 3400);
    const refund = await settledRefund(provider, kept, 200, 1200);
    const date = today();
    const edit = async (body: Record<string, unknown>) =>
      expect(
        (
          await sandbox.control('POST', '/_control/statement_edits', {
            provider: 'unionpay',
            account: account.externalId,
            date,
            ...body,
          })
        ).status,
      ).toBe(201);
    await edit({ edit: 'drop', out_trade_no: dropped.outTradeNo });
    await edit({ edit: 'amount', out_trade_no: kept.outTradeNo, amount: 1100 });
    await edit({ edit: 'amount', out_trade_no: kept.outTradeNo, out_refund_no: refund.outRefundNo, amount: 250 });
    await edit({ edit: 'add', out_trade_no: 'payMadeUp000001', amount: 777 });

    const entries = await provider.fetchStatement(date);
    expect(entries.map((e) => [e.kind, e.outTradeNo, e.outRefundNo, e.amountMinor])).toEqual([
      ['payment', kept.outTradeNo, null, 1100],
      ['refund', kept.outTradeNo, refund.outRefundNo, 250],
      ['payment', 'payMadeUp000001', null, 777],
    ]);
    expect(entries[2]).toMatchObject({
      providerTradeNo: expect.stringMatching(/^\d{21}$/),
      at: new Date(`${date}T12:00:00+08:00`),
    });
  });

  test('a day without transactions (UnionPay: 98 文件不存在) is an empty statement', async () => {
    const { provider } = await newProvider();
    expect(await provider.fetchStatement(today())).toEqual([]);
    const order = await paidPayment(provider, 100);
    // Yesterday's file does not hold today's payment.
    const yesterday = chinaDate(new Date(Date.now() - 86_400_000));
    expect(await provider.fetchStatement(yesterday)).toEqual([]);
    expect((await provider.fetchStatement(today())).map((e) => e.outTradeNo)).toEqual([order.outTradeNo]);
  });

  test('an answer altered after UnionPay signed it is refused, and retryable', async () => {
    const { provider, account } = await newProvider();
    await paidPayment(provider, 100);
    await sandbox.control('POST', '/_control/faults', {
      provider: 'unionpay',
      account: account.externalId,
      tamper_response: true,
    });
    await expect(provider.fetchStatement(today())).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: 'response_signature_invalid',
    });
    await sandbox.control('POST', '/_control/faults', {
      provider: 'unionpay',
      account: account.externalId,
      tamper_response: false,
    });
    expect(await provider.fetchStatement(today())).toHaveLength(1);
  });

  test('UnionPay busy (06) is retryable; a date that is not a day is refused before asking', async () => {
    const { provider, account } = await newProvider();
    await sandbox.control('POST', '/_control/faults', {
      provider: 'unionpay',
      account: account.externalId,
      api: { fail: 'system_error', methods: ['fileTransRequest'] },
    });
    await expect(provider.fetchStatement(today())).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: '06',
    });
    await sandbox.control('POST', '/_control/faults', { provider: 'unionpay', account: account.externalId, api: null });
    for (const date of ['2026-02-30', '20261121', ''])
      await expect(provider.fetchStatement(date)).rejects.toThrow(ProviderInvalidRequestError);
  });
});

// ---- a scripted gateway, signing with a test PKI as UnionPay would -------------------------------

const MER_ID = '777290058110048';
const pki = makeTestPki();
const merchant = issueTestCert({ cn: `041@Z${MER_ID}@Shop@00000001`, issuer: pki.middle });
let server: Server;
let gateway: string;
let script: (fields: Record<string, string>) => Record<string, string>;
const requests: Array<Record<string, string>> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const fields = Object.fromEntries(new URLSearchParams(body));
      requests.push(fields);
      const answer = script(fields);
      res.writeHead(200, { 'content-type': 'text/plain;charset=UTF-8' }).end(
        Object.entries(answer)
          .map(([k, v]) => `${k}=${v}`)
          .join('&'),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  gateway = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function scriptedProvider(): PaymentProvider {
  const account: ProviderAccount = {
    id: 'pa_test',
    provider: 'unionpay',
    livemode: false,
    externalId: MER_ID,
    credentials: {
      merId: MER_ID,
      signCertPfx: makePfx(merchant.keyPem, merchant.certPem, 'pw'),
      signCertPassword: 'pw',
      rootCert: pki.root.certPem,
      middleCert: pki.middle.certPem,
    },
  };
  return createUnionpayProvider(account, { sandboxUrl: gateway });
}

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

describe('fetchStatement, files the sandbox never writes', () => {
  test('the request is ACP’s file transfer: txnType 76, txnSubType 01, bizType 000000, fileType 00, settleDate MMDD, signed with the merchant’s certificate', async () => {
    requests.length = 0;
    script = (request) => fileAnswer(request, { INN31010188ZM_777290058110048: [] });
    expect(await scriptedProvider().fetchStatement('2031-01-01')).toEqual([]);
    expect(requests[0]).toEqual({
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
    requests.length = 0;
    const older = { orderId: 'payOlder00000001', queryId: '301230120000000000001' };
    script = (request) =>
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
    expect(requests.filter((r) => r.txnType === '00')).toEqual([
      expect.objectContaining({ txnSubType: '02', queryId: older.queryId }),
    ]);
    expect(requests.find((r) => r.txnType === '00')).not.toHaveProperty('orderId');
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
    script = answer;
    await expect(scriptedProvider().fetchStatement('2031-01-01')).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode,
    });
  });
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
