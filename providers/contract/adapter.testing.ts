import type { Channel, ProviderName } from '../../domain/payment';
import type { ProviderAccount } from '../../domain/provider-account';
import {
  eventually,
  newOutTradeNo,
  startReceiver,
  startTestSandbox,
  type ReceivedRequest,
  type Receiver,
  type TestSandbox,
} from '../../sandbox/sandbox.testing';
import type {
  CreatePaymentInput,
  ProviderOrderRef,
  ProviderRefundRef,
  RawNotification,
  RefundInput,
} from '../provider';
import { sandboxAccountFor } from '../registry';

// Test helpers shared by every adapter's tests and the contract suite: a sandbox and a receiver of
// notifications per test file, sandbox accounts as stored accounts, and the inputs the workflows
// would pass. Not used by the adapters themselves.

/** This test file's sandbox and notify endpoint, once `useSandbox` has started them. */
export let sandbox: TestSandbox;
export let receiver: Receiver;

/** Starts this test file's sandbox (at `timeScale`) and receiver before its tests, and closes them after. */
export function useSandbox(options: { timeScale?: number } = {}): void {
  beforeAll(async () => {
    sandbox = await startTestSandbox(options);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await sandbox?.close();
  });
}

/** A sandbox account of `provider` (`POST /_control/accounts` with `options`), as a stored test-mode account. */
export async function openTestAccount<A = Record<string, string>>(
  provider: ProviderName,
  options: Record<string, unknown> = {},
): Promise<{ account: ProviderAccount; answer: A }> {
  const opened = await sandbox.control<Record<string, unknown>>('POST', '/_control/accounts', {
    provider,
    ...options,
  });
  expect(opened.status).toBe(201);
  const { externalId, credentials } = sandboxAccountFor(provider, opened.body);
  return {
    account: { id: `pa_${externalId}`, provider, livemode: false, externalId, credentials },
    answer: opened.body as A,
  };
}

/** A create as the payment workflow would ask for it, notified to its own path of the receiver. */
export function paymentInput(channel: Channel, overrides: Partial<CreatePaymentInput> = {}): CreatePaymentInput {
  const outTradeNo = overrides.outTradeNo ?? newOutTradeNo('pay');
  return {
    channel,
    outTradeNo,
    amountMinor: 1999,
    currency: 'CNY',
    description: 'Tea set 茶具',
    notifyUrl: `${receiver.url}/${outTradeNo}`,
    returnUrl: null,
    createdAt: new Date(),
    expiresAt: new Date(Date.now() + 15 * 60_000),
    clientIp: null,
    openid: null,
    ...overrides,
  };
}

/** The order a create made, as the payment's row names it afterwards: its number and its creation time. */
export const orderOf = (created: CreatePaymentInput): ProviderOrderRef => ({
  outTradeNo: created.outTradeNo,
  createdAt: created.createdAt,
});

/** An order number the provider never saw, named as if created now. */
export const unknownOrder = (outTradeNo = newOutTradeNo('pay')): ProviderOrderRef => ({
  outTradeNo,
  createdAt: new Date(),
});

/** A refund of `order` (numbered `<outTradeNo><suffix>`), created now; its retries carry the same time. */
export const newRefund = (order: ProviderOrderRef, suffix: string): ProviderRefundRef => ({
  outTradeNo: order.outTradeNo,
  outRefundNo: `${order.outTradeNo}${suffix}`,
  requestedAt: new Date(),
});

/** The refund's input as the refund workflow would build it, the same on every retry; notified to `<outTradeNo>-refunds`. */
export const refundInput = (
  order: ProviderOrderRef,
  refund: ProviderRefundRef,
  amountMinor: number,
  totalAmountMinor: number,
): RefundInput => ({
  ...refund,
  paymentCreatedAt: order.createdAt,
  amountMinor,
  totalAmountMinor,
  reason: null,
  notifyUrl: `${receiver.url}/${order.outTradeNo}-refunds`,
});

/** The notifications sent to `<receiver>/<path>`, once at least `count` have arrived. */
export async function notificationsTo(path: string, count = 1): Promise<ReceivedRequest[]> {
  return eventually(() => {
    const found = receiver.requests.filter((r) => r.path === `/notify/${path}`);
    expect(found.length).toBeGreaterThanOrEqual(count);
    return found;
  });
}

/** Turns what the sandbox posted to the receiver into what the notify endpoint hands the adapter. */
export function rawNotificationOf(request: ReceivedRequest): RawNotification {
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value]),
  );
  const isForm = /application\/x-www-form-urlencoded/i.test(String(request.headers['content-type'] ?? ''));
  return { headers, rawBody: Buffer.from(request.rawBody, 'utf8'), form: isForm ? request.form : null };
}
