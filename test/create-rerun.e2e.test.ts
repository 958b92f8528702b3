import type { Activities } from '../activities';
import type { NextAction, PaymentDraft } from '../domain/payment';
import { openStackActivities, type StackActivities } from './activities';
import { queryDb } from './db';
import { apiFetch, createTestMerchant, eventually, sandboxControl } from './stack';

// A worker that dies after the provider order's local activity ran, but before its workflow task
// completed, runs that activity again. By then the shopper may have paid the QR code the merchant
// was already given. This story runs the worker's real activity a second time, as the new worker
// would, on the stack's database and sandbox.
describe('creating the provider order again after the worker died', () => {
  let stack: StackActivities;
  let activities: Activities;

  beforeAll(async () => {
    stack = await openStackActivities('create-rerun-test');
    ({ activities } = stack);
  });

  afterAll(() => stack?.close());

  /** The payment's draft as its workflow was started with it, rebuilt from its row. */
  async function draftOf(paymentId: string): Promise<PaymentDraft> {
    const [row] = await queryDb<Record<string, unknown>>(
      `select id, merchant_id, livemode, provider_account_id, provider, channel, amount, currency, description,
              merchant_order_no, customer_id, return_url, client_ip, metadata, out_trade_no, created_at, expires_at
         from payments where id = $1`,
      [paymentId],
    );
    return {
      id: String(row.id),
      merchantId: String(row.merchant_id),
      livemode: Boolean(row.livemode),
      providerAccountId: String(row.provider_account_id),
      provider: row.provider as PaymentDraft['provider'],
      channel: row.channel as PaymentDraft['channel'],
      amountMinor: Number(row.amount),
      currency: 'CNY',
      description: String(row.description),
      merchantOrderNo: (row.merchant_order_no as string | null) ?? null,
      customerId: (row.customer_id as string | null) ?? null,
      returnUrl: (row.return_url as string | null) ?? null,
      openid: null,
      clientIp: (row.client_ip as string | null) ?? null,
      metadata: (row.metadata as Record<string, string>) ?? {},
      outTradeNo: String(row.out_trade_no),
      createdAt: new Date(row.created_at as string).toISOString(),
      expiresAt: new Date(row.expires_at as string).toISOString(),
    };
  }

  test('an Alipay QR order paid meanwhile answers its recorded QR code, and the payment stays succeeded', async () => {
    const { secretKey } = await createTestMerchant();
    const created = await apiFetch<{ id: string; out_trade_no: string; next_action: NextAction }>(
      secretKey,
      'POST',
      '/v1/payments',
      { amount: 2600, currency: 'CNY', channel: 'alipay_qr', description: 'Tea set' },
    );
    expect(created.status).toBe(201);
    const payment = created.body;
    expect(payment.next_action.type).toBe('display_qr_code');

    await sandboxControl('POST', '/_control/pay', {
      provider: 'alipay',
      out_trade_no: payment.out_trade_no,
      outcome: 'success',
    });
    await eventually(async () => {
      const current = await apiFetch<{ status: string }>(secretKey, 'GET', `/v1/payments/${payment.id}`);
      expect(current.body.status).toBe('succeeded');
    });

    // Alipay itself refuses a second precreate of a paid order (ACQ.TRADE_HAS_SUCCESS): the rerun
    // must not ask it, or the paid payment would fail and be refunded.
    await expect(activities.createProviderOrder(await draftOf(payment.id))).resolves.toEqual(payment.next_action);
    const transitions = await queryDb('select to_status from payment_transitions where payment_id = $1 order by at', [
      payment.id,
    ]);
    expect(transitions).toEqual([{ to_status: 'requires_action' }, { to_status: 'succeeded' }]);
  });
});
