import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chinaDate } from '../../domain/china-time';
import type { ProviderAccount } from '../../domain/provider-account';
import { eventually, newOutTradeNo } from '../../sandbox/sandbox.testing';
import { sandbox, useSandbox } from '../contract/adapter.testing';
import { ProviderInvalidRequestError, ProviderUnavailableError } from '../errors';
import type { PaymentProvider, StatementEntry } from '../provider';
import { createWechatpayProvider } from './wechatpay.provider';
import { openAccount } from './wechatpay.provider.testing';

// fetchStatement against the sandbox: WeChat's trade bill (交易账单) asked for through
// wechatpay-axios-plugin (which verifies the signed answer), downloaded (unsigned, so checked
// against its SHA1 here), and read into StatementEntries. The reading alone, on bills built by
// hand: wechatpay.statement.test.ts.

/** Refunds settle after 60 s ÷ 600 = 100 ms. */
useSandbox({ timeScale: 600 });

const newAccount = async (): Promise<ProviderAccount> => (await openAccount()).account;

const providerFor = (account: ProviderAccount, sandboxUrl = sandbox.url): PaymentProvider =>
  createWechatpayProvider(account, { sandboxUrl });

/** A Native payment the shopper paid; answers its order number, WeChat's number for it, and the China day it was paid on. */
async function paidPayment(provider: PaymentProvider, account: ProviderAccount, amountMinor: number) {
  const outTradeNo = newOutTradeNo('pay');
  const createdAt = new Date();
  await provider.createPayment({
    channel: 'wechat_native',
    outTradeNo,
    amountMinor,
    currency: 'CNY',
    description: 'Tea set 茶具',
    notifyUrl: 'https://merchant.example/notify',
    returnUrl: null,
    createdAt,
    expiresAt: new Date(Date.now() + 15 * 60_000),
    clientIp: null,
    openid: null,
  });
  const paid = await sandbox.control('POST', '/_control/pay', {
    provider: 'wechatpay',
    out_trade_no: outTradeNo,
    account: account.externalId,
    outcome: 'success',
  });
  expect(paid.status).toBe(200);
  const trade = await provider.queryPayment({ outTradeNo, createdAt });
  expect(trade.status).toBe('succeeded');
  const paidAt = new Date(trade.paidAt as string);
  return { outTradeNo, createdAt, providerTradeNo: trade.providerTradeNo as string, paidAt, day: chinaDate(paidAt) };
}

const plantEdit = (account: ProviderAccount, date: string, edit: Record<string, unknown>) =>
  sandbox.control('POST', '/_control/statement_edits', {
    provider: 'wechatpay',
    account: account.externalId,
    date,
    ...edit,
  });

/** The entry of `outTradeNo` (and `outRefundNo`, for a refund) on a statement. */
const entryOf = (entries: StatementEntry[], outTradeNo: string, outRefundNo: string | null = null) =>
  entries.filter((entry) => entry.outTradeNo === outTradeNo && entry.outRefundNo === outRefundNo);

describe('fetchStatement against the sandbox', () => {
  test('when an order is paid and partly refunded, then both are on the statement of their day, in fen, with WeChat’s order number', async () => {
    const account = await newAccount();
    const provider = providerFor(account);
    const payment = await paidPayment(provider, account, 2590);
    const outRefundNo = `${payment.outTradeNo}R1`;
    const requestedAt = new Date();
    const asked = await provider.refund({
      outTradeNo: payment.outTradeNo,
      paymentCreatedAt: payment.createdAt,
      outRefundNo,
      requestedAt,
      amountMinor: 1000,
      totalAmountMinor: 2590,
      reason: null,
      notifyUrl: 'https://merchant.example/notify',
    });
    expect(asked.status).toBe('pending');
    // WeChat settles a refund a minute later (time-scaled here); the bill lists it once settled.
    await eventually(async () =>
      expect((await provider.queryRefund({ outTradeNo: payment.outTradeNo, outRefundNo, requestedAt })).status).toBe(
        'succeeded',
      ),
    );
    const settledAt = new Date(
      (
        await sandbox.control<{ refunds: Array<{ success_time: string }> }>(
          'GET',
          `/_control/trades/wechatpay/${payment.outTradeNo}`,
        )
      ).body.refunds[0].success_time,
    );

    const onPaymentDay = await provider.fetchStatement(payment.day);
    expect(entryOf(onPaymentDay, payment.outTradeNo)).toEqual([
      {
        kind: 'payment',
        outTradeNo: payment.outTradeNo,
        outRefundNo: null,
        providerTradeNo: payment.providerTradeNo,
        amountMinor: 2590,
        at: expect.any(Date),
      },
    ]);
    // The bill has whole seconds.
    expect(Math.abs(entryOf(onPaymentDay, payment.outTradeNo)[0].at.getTime() - payment.paidAt.getTime())).toBeLessThan(
      1000,
    );

    const onRefundDay =
      chinaDate(settledAt) === payment.day ? onPaymentDay : await provider.fetchStatement(chinaDate(settledAt));
    expect(entryOf(onRefundDay, payment.outTradeNo, outRefundNo)).toEqual([
      {
        kind: 'refund',
        outTradeNo: payment.outTradeNo,
        outRefundNo,
        providerTradeNo: payment.providerTradeNo,
        amountMinor: 1000,
        at: expect.any(Date),
      },
    ]);
    expect(
      Math.abs(entryOf(onRefundDay, payment.outTradeNo, outRefundNo)[0].at.getTime() - settledAt.getTime()),
    ).toBeLessThan(1000);
  });

  test('edits planted in the sandbox show: a dropped payment is missing, a changed amount differs, a made-up order appears', async () => {
    const account = await newAccount();
    const provider = providerFor(account);
    const kept = await paidPayment(provider, account, 1000);
    const dropped = await paidPayment(provider, account, 2000);
    const changed = await paidPayment(provider, account, 3000);
    expect((await plantEdit(account, dropped.day, { edit: 'drop', out_trade_no: dropped.outTradeNo })).status).toBe(
      201,
    );
    expect(
      (await plantEdit(account, changed.day, { edit: 'amount', out_trade_no: changed.outTradeNo, amount: 2999 }))
        .status,
    ).toBe(201);
    expect(
      (await plantEdit(account, kept.day, { edit: 'add', out_trade_no: 'payNeverSent1', amount: 777 })).status,
    ).toBe(201);

    const byDay = new Map<string, StatementEntry[]>();
    for (const day of new Set([kept.day, dropped.day, changed.day])) byDay.set(day, await provider.fetchStatement(day));
    expect(entryOf(byDay.get(kept.day) ?? [], kept.outTradeNo)).toMatchObject([{ kind: 'payment', amountMinor: 1000 }]);
    expect(entryOf(byDay.get(dropped.day) ?? [], dropped.outTradeNo)).toEqual([]);
    expect(entryOf(byDay.get(changed.day) ?? [], changed.outTradeNo)).toMatchObject([
      { kind: 'payment', amountMinor: 2999, providerTradeNo: changed.providerTradeNo },
    ]);
    const madeUp = entryOf(byDay.get(kept.day) ?? [], 'payNeverSent1');
    expect(madeUp).toMatchObject([{ kind: 'payment', outRefundNo: null, amountMinor: 777 }]);
    expect(chinaDate(madeUp[0].at)).toBe(kept.day);
  });

  test('a refund edited in the sandbox shows with its planted amount, or not at all', async () => {
    const account = await newAccount();
    const provider = providerFor(account);
    const payment = await paidPayment(provider, account, 5000);
    const refunds = ['R1', 'R2'].map((suffix) => ({
      outTradeNo: payment.outTradeNo,
      outRefundNo: `${payment.outTradeNo}${suffix}`,
      requestedAt: new Date(),
    }));
    for (const refund of refunds) {
      await provider.refund({
        ...refund,
        paymentCreatedAt: payment.createdAt,
        amountMinor: 1000,
        totalAmountMinor: 5000,
        reason: null,
        notifyUrl: 'https://merchant.example/notify',
      });
    }
    for (const refund of refunds)
      await eventually(async () => expect((await provider.queryRefund(refund)).status).toBe('succeeded'));
    const record = (
      await sandbox.control<{ refunds: Array<{ out_refund_no: string; success_time: string }> }>(
        'GET',
        `/_control/trades/wechatpay/${payment.outTradeNo}`,
      )
    ).body;
    const dayOf = (outRefundNo: string) =>
      chinaDate(new Date(record.refunds.find((r) => r.out_refund_no === outRefundNo)?.success_time as string));
    const [changed, dropped] = refunds.map((refund) => refund.outRefundNo);
    await plantEdit(account, dayOf(changed), {
      edit: 'amount',
      out_trade_no: payment.outTradeNo,
      out_refund_no: changed,
      amount: 999,
    });
    await plantEdit(account, dayOf(dropped), {
      edit: 'drop',
      out_trade_no: payment.outTradeNo,
      out_refund_no: dropped,
    });

    expect(entryOf(await provider.fetchStatement(dayOf(changed)), payment.outTradeNo, changed)).toMatchObject([
      { kind: 'refund', amountMinor: 999 },
    ]);
    const droppedDay = await provider.fetchStatement(dayOf(dropped));
    expect(entryOf(droppedDay, payment.outTradeNo, dropped)).toEqual([]);
    // Dropping the refund's line leaves the payment's.
    if (payment.day === dayOf(dropped))
      expect(entryOf(droppedDay, payment.outTradeNo)).toMatchObject([{ kind: 'payment', amountMinor: 5000 }]);
  });

  test('a day without payments or refunds (WeChat: 400 NO_STATEMENT_EXIST) is an empty statement', async () => {
    const account = await newAccount();
    expect(await providerFor(account).fetchStatement('2021-06-01')).toEqual([]);
  });

  test('a date that is not YYYY-MM-DD is refused before anything is sent', async () => {
    const account = await newAccount();
    await expect(providerFor(account).fetchStatement('2021/06/01')).rejects.toBeInstanceOf(ProviderInvalidRequestError);
  });

  test('when the file is altered on its way (its SHA1 is not the signed hash_value), then it is refused, retryably, and not read', async () => {
    const account = await newAccount();
    const direct = providerFor(account);
    const payment = await paidPayment(direct, account, 1999);
    const proxy = await startAlteringProxy(sandbox.url, (body) => body.toString('utf8').replace('`19.99', '`1.99'));
    try {
      const error = await providerFor(account, proxy.url)
        .fetchStatement(payment.day)
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect(error).toMatchObject({ providerCode: 'download_digest_mismatch', retryable: true });
      expect((error as Error).message).toMatch(/SHA1 is [0-9a-f]{40}, the signed hash_value [0-9a-f]{40}/);
      expect(proxy.altered).toBe(1);
    } finally {
      await proxy.close();
    }
    // Unaltered, the same bill is read.
    expect(entryOf(await direct.fetchStatement(payment.day), payment.outTradeNo)).toMatchObject([
      { amountMinor: 1999 },
    ]);
  });

  test('a failing download is classified from its JSON error, though the download asked for bytes', async () => {
    const account = await newAccount();
    const provider = providerFor(account);
    const payment = await paidPayment(provider, account, 100);
    await sandbox.control('POST', '/_control/faults', {
      provider: 'wechatpay',
      account: account.externalId,
      api: { fail: 'system_error', methods: ['GET /v3/billdownload/file'], times: 1 },
    });
    await expect(provider.fetchStatement(payment.day)).rejects.toMatchObject({
      name: 'ProviderUnavailableError',
      providerCode: 'SYSTEM_ERROR',
    });
    expect(entryOf(await provider.fetchStatement(payment.day), payment.outTradeNo)).toHaveLength(1);
  });
});

/**
 * Something between Tongbao and WeChat that forwards every request and alters the bill files it
 * carries: what the SHA1 check is for, since nothing signs a download.
 */
async function startAlteringProxy(
  target: string,
  alter: (body: Buffer) => string,
): Promise<{ url: string; altered: number; close(): Promise<void> }> {
  const state = { url: '', altered: 0, close: async () => undefined };
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const forwarded = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          let body = Buffer.concat(chunks);
          if (req.url?.includes('/v3/billdownload/file') && answer.statusCode === 200) {
            body = Buffer.from(alter(body), 'utf8');
            state.altered += 1;
          }
          const headers = { ...answer.headers, 'content-length': String(body.length) };
          delete headers['transfer-encoding'];
          res.writeHead(answer.statusCode ?? 502, headers).end(body);
        });
      },
    );
    forwarded.on('error', () => res.writeHead(502).end());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
