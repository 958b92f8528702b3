import { chinaDate } from '../../domain/china-time';
import { eventually } from '../../sandbox/sandbox.testing';
import { newRefund, refundInput, sandbox, useSandbox } from '../contract/adapter.testing';
import { ProviderInvalidRequestError, ProviderUnavailableError } from '../errors';
import type { PaymentProvider, ProviderOrderRef, StatementEntry } from '../provider';
import { newProvider, payment } from './unionpay.provider.testing';

// fetchStatement against the simulated UnionPay: the day's statement fetched with ACP's file
// transfer, its answer trusted only once verified, its zip unpacked and its ZM records read into
// StatementEntry lines. Files the sandbox never writes, and the ZM reader alone:
// unionpay.statement.test.ts.

// A refund settles 10 s ÷ 1000 after UnionPay accepts it.
useSandbox({ timeScale: 1000 });

/** Created, carried to UnionPay by the shopper's browser, and paid with the test card. */
const paidPayment = (provider: PaymentProvider, amountMinor: number): Promise<ProviderOrderRef> =>
  payment(provider, { amountMinor });

/** A refund of the payment, waited for until UnionPay settled it; its number and UnionPay's. */
async function settledRefund(
  provider: PaymentProvider,
  order: ProviderOrderRef,
  amountMinor: number,
  totalAmountMinor: number,
) {
  const refund = newRefund(order, 'R1');
  await provider.refund(refundInput(order, refund, amountMinor, totalAmountMinor));
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
