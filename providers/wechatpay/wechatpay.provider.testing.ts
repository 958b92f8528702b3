import type { ProviderAccount } from '../../domain/provider-account';
import type { WechatpaySandboxAccount } from '../../sandbox/wechatpay/wechatpay.testing';
import { openTestAccount, orderOf, paymentInput, sandbox } from '../contract/adapter.testing';
import type { PaymentProvider, ProviderOrderRef } from '../provider';
import { createWechatpayProvider, type WechatpayProviderOptions } from './wechatpay.provider';

// Test helpers for the tests of WeChat Pay's adapter against the sandbox (wechatpay.provider,
// .notifications and .client tests): accounts, Native orders, and the sandbox's controls. Not used
// by the adapter itself.

/** A sandbox merchant (`options` as `POST /_control/accounts` takes them), as a stored account, with the sandbox's answer. */
export const openAccount = (options: Record<string, unknown> = {}) =>
  openTestAccount<WechatpaySandboxAccount>('wechatpay', options);

export async function newProvider(
  options: WechatpayProviderOptions = {},
  accountOptions: Record<string, unknown> = {},
): Promise<{ provider: PaymentProvider; account: ProviderAccount; answer: WechatpaySandboxAccount }> {
  const { account, answer } = await openAccount(accountOptions);
  return { provider: createWechatpayProvider(account, { sandboxUrl: sandbox.url }, options), account, answer };
}

export const pay = (account: ProviderAccount, outTradeNo: string, outcome: 'success' | 'fail' = 'success') =>
  sandbox.control('POST', '/_control/pay', {
    provider: 'wechatpay',
    out_trade_no: outTradeNo,
    account: account.externalId,
    outcome,
  });
export const tradeRecord = async (outTradeNo: string) =>
  (await sandbox.control('GET', `/_control/trades/wechatpay/${outTradeNo}`)).body;
export const fault = (rule: Record<string, unknown>) =>
  sandbox.control('POST', '/_control/faults', { provider: 'wechatpay', ...rule });

export async function nativePayment(
  provider: PaymentProvider,
  amountMinor = 1999,
): Promise<{ order: ProviderOrderRef; codeUrl: string }> {
  const input = paymentInput('wechat_native', { amountMinor });
  const { nextAction } = await provider.createPayment(input);
  if (nextAction.type !== 'display_qr_code') throw new Error(`expected a QR code, got ${nextAction.type}`);
  return { order: orderOf(input), codeUrl: nextAction.display_qr_code.data };
}

export async function paidPayment(
  provider: PaymentProvider,
  account: ProviderAccount,
  amountMinor = 1999,
): Promise<ProviderOrderRef> {
  const { order } = await nativePayment(provider, amountMinor);
  expect((await pay(account, order.outTradeNo)).status).toBe(200);
  return order;
}
