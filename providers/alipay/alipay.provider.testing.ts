import type { ProviderAccount } from '../../domain/provider-account';
import { openTestAccount, orderOf, paymentInput, sandbox } from '../contract/adapter.testing';
import type { PaymentProvider, ProviderOrderRef } from '../provider';
import { createAlipayProvider, type AlipayProviderOptions } from './alipay.provider';

// Test helpers for the tests of Alipay's adapter against the sandbox (alipay.provider,
// .notifications and .client tests): apps, QR orders, and the sandbox's controls. Not used by the
// adapter itself.

/** A sandbox app (`options` as `POST /_control/accounts` takes them), as a stored account. */
export const openAccount = async (options: Record<string, unknown> = {}): Promise<ProviderAccount> =>
  (await openTestAccount('alipay', options)).account;

export async function newProvider(
  options: AlipayProviderOptions = {},
): Promise<{ provider: PaymentProvider; account: ProviderAccount }> {
  const account = await openAccount();
  return { provider: createAlipayProvider(account, { sandboxUrl: sandbox.url }, options), account };
}

export const pay = (outTradeNo: string) =>
  sandbox.control('POST', '/_control/pay', { provider: 'alipay', out_trade_no: outTradeNo, outcome: 'success' });
export const tradeRecord = async (outTradeNo: string) =>
  (await sandbox.control('GET', `/_control/trades/alipay/${outTradeNo}`)).body;
export const fault = (rule: Record<string, unknown>) =>
  sandbox.control('POST', '/_control/faults', { provider: 'alipay', ...rule });

/** A precreated QR order, and the code the shopper would scan. */
export async function qrPayment(
  provider: PaymentProvider,
  amountMinor = 1999,
): Promise<{ order: ProviderOrderRef; qr: string }> {
  const input = paymentInput('alipay_qr', { amountMinor });
  const { nextAction } = await provider.createPayment(input);
  if (nextAction.type !== 'display_qr_code') throw new Error(`expected a QR code, got ${nextAction.type}`);
  return { order: orderOf(input), qr: nextAction.display_qr_code.data };
}

export async function paidPayment(provider: PaymentProvider, amountMinor = 1999): Promise<ProviderOrderRef> {
  const { order } = await qrPayment(provider, amountMinor);
  expect((await pay(order.outTradeNo)).status).toBe(200);
  return order;
}
