import type { ProviderAccount } from '../../domain/provider-account';
import { openTestAccount, orderOf, paymentInput, sandbox } from '../contract/adapter.testing';
import type { CreatePaymentInput, PaymentProvider, ProviderOrderRef } from '../provider';
import { createUnionpayProvider, type UnionpayProviderOptions } from './unionpay.provider';

// Test helpers for the tests of UnionPay's adapter against the sandbox (unionpay.provider,
// .notifications and .client tests): accounts, consumes carried to UnionPay by the shopper's
// browser, and the sandbox's controls. Not used by the adapter itself.

/** A sandbox merchant, as a stored account, with the sandbox's answer (its PFX, its certId…). */
export const openAccount = (options: Record<string, unknown> = {}) => openTestAccount('unionpay', options);

export async function newProvider(
  options: UnionpayProviderOptions = {},
): Promise<{ provider: PaymentProvider; account: ProviderAccount; answer: Record<string, string> }> {
  const { account, answer } = await openAccount();
  return { provider: createUnionpayProvider(account, { sandboxUrl: sandbox.url }, options), account, answer };
}

/** The form the shopper's browser would submit, and the submission. */
export async function formOf(
  provider: PaymentProvider,
  input: CreatePaymentInput,
): Promise<{ url: string; form: Record<string, string> }> {
  const { nextAction } = await provider.createPayment(input);
  if (nextAction.type !== 'redirect_to_url' || !nextAction.redirect_to_url.form)
    throw new Error(`expected a form, got ${nextAction.type}`);
  return { url: nextAction.redirect_to_url.url, form: nextAction.redirect_to_url.form };
}

export async function submit(url: string, form: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', body: new URLSearchParams(form), redirect: 'follow' });
}

/** Created, carried to UnionPay by the browser, and (unless told) paid. */
export async function payment(
  provider: PaymentProvider,
  options: { amountMinor?: number; pay?: 'success' | 'fail' | null } = {},
): Promise<ProviderOrderRef> {
  const input = paymentInput('unionpay_pc', { amountMinor: options.amountMinor ?? 1999 });
  const { url, form } = await formOf(provider, input);
  expect((await submit(url, form)).status).toBe(200);
  if (options.pay !== null) expect((await pay(input.outTradeNo, options.pay ?? 'success')).status).toBe(200);
  return orderOf(input);
}

export const pay = (outTradeNo: string, outcome: 'success' | 'fail' = 'success') =>
  sandbox.control('POST', '/_control/pay', { provider: 'unionpay', out_trade_no: outTradeNo, outcome });
export const tradeRecord = async (outTradeNo: string) =>
  (await sandbox.control('GET', `/_control/trades/unionpay/${outTradeNo}`)).body;
export const fault = (rule: Record<string, unknown>) =>
  sandbox.control('POST', '/_control/faults', { provider: 'unionpay', ...rule });
