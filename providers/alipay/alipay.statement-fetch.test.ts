import { createSign, generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chinaDate } from '../../domain/china-time';
import { newOutTradeNo } from '../../sandbox/sandbox.testing';
import { sandbox, useSandbox } from '../contract/adapter.testing';
import { ProviderInvalidRequestError, ProviderUnavailableError } from '../errors';
import type { PaymentProvider, StatementEntry } from '../provider';
import { createAlipayProvider } from './alipay.provider';
import { newProvider } from './alipay.provider.testing';

// fetchStatement against the sandbox: the bill query through alipay-sdk (signature verified), the
// zip downloaded from the link it gives, and read. The reading alone, on bills built by hand:
// alipay.statement.test.ts.

useSandbox();

const control = async (method: string, path: string, body?: Record<string, unknown>) => {
  const response = await sandbox.control(method, path, body);
  if (response.status >= 300) throw new Error(`${path}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
};

interface TradeRecord {
  trade_no: string;
  paid_at: string;
  refunds: Array<{ out_request_no: string; created_at: string }>;
}

/** A QR payment, paid; returns its order number, Alipay's trade number and the China day it was paid on. */
async function paidPayment(
  provider: PaymentProvider,
  amountMinor: number,
): Promise<{ outTradeNo: string; tradeNo: string; paidAt: Date; date: string }> {
  const outTradeNo = newOutTradeNo('pay');
  await provider.createPayment({
    channel: 'alipay_qr',
    outTradeNo,
    amountMinor,
    currency: 'CNY',
    description: '茶具 Tea set',
    notifyUrl: 'http://127.0.0.1:9/notify',
    returnUrl: null,
    createdAt: new Date(),
    expiresAt: new Date(Date.now() + 15 * 60_000),
    clientIp: null,
    openid: null,
  });
  await control('POST', '/_control/pay', { provider: 'alipay', out_trade_no: outTradeNo, outcome: 'success' });
  const record = (await control('GET', `/_control/trades/alipay/${outTradeNo}`)) as unknown as TradeRecord;
  const paidAt = new Date(record.paid_at);
  return { outTradeNo, tradeNo: record.trade_no, paidAt, date: chinaDate(paidAt) };
}

/** The bill's times have whole seconds. */
const toSecond = (at: Date) => new Date(Math.floor(at.getTime() / 1000) * 1000);

describe('fetchStatement against the sandbox', () => {
  test('a paid trade and its partial refund appear with the right amounts, the refund positive', async () => {
    const { provider } = await newProvider();
    const paid = await paidPayment(provider, 1999);
    const refunded = await provider.refund({
      outTradeNo: paid.outTradeNo,
      outRefundNo: 're1',
      requestedAt: new Date(),
      paymentCreatedAt: new Date(),
      amountMinor: 500,
      totalAmountMinor: 1999,
      reason: null,
      notifyUrl: 'http://127.0.0.1:9/notify',
    });
    expect(refunded.status).toBe('succeeded');
    const record = (await control('GET', `/_control/trades/alipay/${paid.outTradeNo}`)) as unknown as TradeRecord;
    const refundedAt = new Date(record.refunds[0].created_at);
    // A refund after China midnight would be on the next day's bill.
    expect(chinaDate(refundedAt)).toBe(paid.date);

    expect(await provider.fetchStatement(paid.date)).toEqual<StatementEntry[]>([
      {
        kind: 'payment',
        outTradeNo: paid.outTradeNo,
        outRefundNo: null,
        providerTradeNo: paid.tradeNo,
        amountMinor: 1999,
        at: toSecond(paid.paidAt),
      },
      {
        kind: 'refund',
        outTradeNo: paid.outTradeNo,
        outRefundNo: 're1',
        providerTradeNo: paid.tradeNo,
        amountMinor: 500,
        at: toSecond(refundedAt),
      },
    ]);
  });

  test('planted edits show: a payment missing, a payment at another amount, a payment Tongbao never made', async () => {
    const { provider, account } = await newProvider();
    const dropped = await paidPayment(provider, 1200);
    const changed = await paidPayment(provider, 3000);
    const kept = await paidPayment(provider, 700);
    const date = dropped.date;
    const ghost = newOutTradeNo('ghost');
    const edit = (body: Record<string, unknown>) =>
      control('POST', '/_control/statement_edits', { provider: 'alipay', account: account.externalId, date, ...body });
    await edit({ edit: 'drop', out_trade_no: dropped.outTradeNo });
    await edit({ edit: 'amount', out_trade_no: changed.outTradeNo, amount: 2999 });
    await edit({ edit: 'add', out_trade_no: ghost, amount: 4321 });

    const entries = await provider.fetchStatement(date);
    const byOrder = Object.fromEntries(entries.map((e) => [e.outTradeNo, e]));
    expect(Object.keys(byOrder).sort()).toEqual([changed.outTradeNo, ghost, kept.outTradeNo].sort());
    expect(byOrder[changed.outTradeNo]).toMatchObject({
      kind: 'payment',
      amountMinor: 2999,
      providerTradeNo: changed.tradeNo,
    });
    expect(byOrder[kept.outTradeNo]).toMatchObject({ kind: 'payment', amountMinor: 700 });
    expect(byOrder[ghost]).toMatchObject({
      kind: 'payment',
      outRefundNo: null,
      amountMinor: 4321,
      providerTradeNo: expect.stringMatching(/^\d{28}$/),
    });
    expect(chinaDate(byOrder[ghost].at)).toBe(date);
  });

  test('a day without transactions gives an empty statement', async () => {
    const { provider } = await newProvider();
    expect(await provider.fetchStatement('2024-01-02')).toEqual([]);
    expect(await provider.fetchStatement(chinaDate(new Date()))).toEqual([]);
  });

  test('a day Alipay cannot have a bill for yet, or a date that is not one, is an invalid request', async () => {
    const { provider } = await newProvider();
    const tomorrow = chinaDate(new Date(Date.now() + 86_400_000));
    await expect(provider.fetchStatement(tomorrow)).rejects.toMatchObject({
      constructor: ProviderInvalidRequestError,
      providerCode: 'isv.invalid_arguments',
    });
    await expect(provider.fetchStatement('2026-11')).rejects.toBeInstanceOf(ProviderInvalidRequestError);
  });

  test('a bill query answer altered after signing is refused, and its link never followed', async () => {
    const { provider, account } = await newProvider();
    const { date } = await paidPayment(provider, 100);
    await control('POST', '/_control/faults', {
      provider: 'alipay',
      account: account.externalId,
      tamper_response: true,
    });
    const fetched = jest.spyOn(globalThis, 'fetch');
    try {
      await expect(provider.fetchStatement(date)).rejects.toMatchObject({
        constructor: ProviderUnavailableError,
        providerCode: 'response_signature_invalid',
      });
      expect(fetched).not.toHaveBeenCalled();
    } finally {
      fetched.mockRestore();
      await control('POST', '/_control/faults', {
        provider: 'alipay',
        account: account.externalId,
        tamper_response: false,
      });
    }
    expect(await provider.fetchStatement(date)).toHaveLength(1);
  });

  test('an unsigned answer, or one signed with another key, is refused, and its bill never downloaded', async () => {
    const { account } = await newProvider();
    const impostorKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    let billRequests = 0;
    let signed = true;
    const impostor: Server = createServer((req, res) => {
      if (req.url?.startsWith('/bill')) {
        billRequests++;
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end('a bill nobody should download');
        return;
      }
      const { port } = impostor.address() as AddressInfo;
      const inner = JSON.stringify({
        code: '10000',
        msg: 'Success',
        bill_download_url: `http://127.0.0.1:${port}/bill`,
      });
      const sign = createSign('RSA-SHA256').update(inner).sign(impostorKey, 'base64');
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(
        `{"alipay_data_dataservice_bill_downloadurl_query_response":${inner}${signed ? `,"sign":"${sign}"` : ''}}`,
      );
    });
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = impostor.address() as AddressInfo;
      const provider = createAlipayProvider(account, { sandboxUrl: `http://127.0.0.1:${port}` });
      for (const signing of [true, false]) {
        signed = signing;
        await expect(provider.fetchStatement('2026-11-21')).rejects.toMatchObject({
          constructor: ProviderUnavailableError,
          providerCode: 'response_signature_invalid',
        });
      }
      expect(billRequests).toBe(0);
    } finally {
      await new Promise<void>((resolve) => impostor.close(() => resolve()));
    }
  });

  test('a link that has expired, or a download cut short, is retryable; the error names no token', async () => {
    const { provider } = await newProvider();
    const { date } = await paidPayment(provider, 100);
    const realFetch = globalThis.fetch;
    const answers: Array<(whole: Response) => Promise<Response>> = [
      async () => new Response('下载超时，请重新下载', { status: 403 }),
      async (whole) => new Response((await whole.arrayBuffer()).slice(0, 100), { status: 200 }),
    ];
    const fetched = jest.spyOn(globalThis, 'fetch').mockImplementation(async (url, init) => {
      const answer = await realFetch(url, init);
      if (String(url).includes('/downloadBillFile.resource')) return (answers.shift() ?? (async () => answer))(answer);
      return answer;
    });
    try {
      const expired = await provider.fetchStatement(date).catch((e: unknown) => e);
      expect(expired).toMatchObject({
        constructor: ProviderUnavailableError,
        retryable: true,
        providerCode: 'http_403',
      });
      expect((expired as Error).message).toContain(`${sandbox.url}/alipay/downloadBillFile.resource`);
      expect((expired as Error).message).not.toMatch(/token|timestamp=/);
      await expect(provider.fetchStatement(date)).rejects.toMatchObject({
        constructor: ProviderUnavailableError,
        retryable: true,
        providerCode: 'bill_download_damaged',
      });
    } finally {
      fetched.mockRestore();
    }
    expect(await provider.fetchStatement(date)).toHaveLength(1);
  });
});
