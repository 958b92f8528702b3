import { apiFetch, eventually, sandboxControl } from './stack';

// What the console stories share: payments made, paid and refunded through the real API and sandbox.

export interface PaymentBody {
  id: string;
  status: string;
  amount: number;
  channel: string;
  provider: string;
  out_trade_no: string;
  provider_trade_no: string | null;
  merchant_order_no: string | null;
  customer: string | null;
  created_at: string;
}

export interface ListBody<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
}

export interface ErrorBody {
  error: { type: string; code: string; param: string | null; message: string };
}

export async function createPayment(key: string, body: Record<string, unknown> = {}): Promise<PaymentBody> {
  const response = await apiFetch<PaymentBody>(key, 'POST', '/v1/payments', {
    amount: 1999,
    currency: 'CNY',
    channel: 'alipay_qr',
    description: 'Tea set',
    ...body,
  });
  expect(response.status).toBe(201);
  return response.body;
}

/** The shopper pays in the sandbox; returns the payment once the API says it succeeded. */
export async function pay(key: string, payment: PaymentBody): Promise<PaymentBody> {
  const paid = await sandboxControl('POST', '/_control/pay', {
    provider: payment.provider,
    out_trade_no: payment.out_trade_no,
    outcome: 'success',
  });
  expect(paid.status).toBe(200);
  return eventually(async () => {
    const current = await apiFetch<PaymentBody>(key, 'GET', `/v1/payments/${payment.id}`);
    expect(current.body.status).toBe('succeeded');
    return current.body;
  });
}

export async function cancel(key: string, payment: PaymentBody): Promise<PaymentBody> {
  const canceled = await apiFetch<PaymentBody>(key, 'POST', `/v1/payments/${payment.id}/cancel`);
  expect(canceled.status).toBe(200);
  expect(canceled.body.status).toBe('canceled');
  return canceled.body;
}

/** Refunds part of a payment and waits until the refund succeeded. */
export async function refund(key: string, paymentId: string, amount: number): Promise<{ id: string }> {
  const created = await apiFetch<{ id: string; status: string }>(key, 'POST', '/v1/refunds', {
    payment: paymentId,
    amount,
    reason: 'One cup broken',
  });
  expect(created.status).toBe(201);
  await eventually(async () => {
    const current = await apiFetch<{ status: string }>(key, 'GET', `/v1/refunds/${created.body.id}`);
    expect(current.body.status).toBe('succeeded');
  });
  return created.body;
}

/** The ids a list answers, in its order. */
export async function listedIds(key: string, query: string): Promise<string[]> {
  const listed = await apiFetch<ListBody<{ id: string }>>(key, 'GET', `/v1/payments?${query}`);
  expect(listed.status).toBe(200);
  return listed.body.data.map((item) => item.id);
}
