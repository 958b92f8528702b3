import type { ProviderAccount } from '../../domain/provider-account';
import type { CredentialsCheckAnswer, ProviderEnvironment } from '../provider';
import { createWechatpayClient, type WechatpayOperation } from './wechatpay.client';
import { wechatpayClientConfig } from './wechatpay.config';
import { classifyWechatpayFailure } from './wechatpay.errors';
import { NOT_FOUND_CODES } from './wechatpay.provider';
import { wechatpayErrorBodySchema } from './wechatpay.types';

function jsonOf(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

/**
 * "Test credentials" for WeChat Pay: a query about an order that cannot exist. WeChat answers it
 * 404 ORDER_NOT_EXIST, signed once our request's signature checked out; the adapter's queries take
 * that answer unverified (wechatpay-axios-plugin verifies 2xx answers only), so here its signature
 * is verified, and a wrong WeChat Pay key fails the check as a wrong merchant key does. A refusal
 * of our signature (401 SIGN_ERROR) is not signed by WeChat: it is read unverified, for its words.
 */
export async function checkWechatpayCredentials(
  account: ProviderAccount,
  env: ProviderEnvironment,
  outTradeNo: string,
): Promise<CredentialsCheckAnswer> {
  const config = wechatpayClientConfig(account, env);
  const client = createWechatpayClient(config);
  const query: WechatpayOperation = {
    name: 'query',
    method: 'GET',
    url: `v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}`,
    params: { mchid: config.mchid },
  };
  const verified = await client.send({ ...query, verifyErrors: true });
  if (!verified.ok) {
    if (verified.failure.kind === 'signature') {
      const unverified = await client.send(query);
      if (
        !unverified.ok &&
        unverified.failure.kind === 'response' &&
        !NOT_FOUND_CODES.includes(unverified.failure.code ?? '')
      )
        throw classifyWechatpayFailure(unverified.failure, 'query');
    }
    throw classifyWechatpayFailure(verified.failure, 'query');
  }
  if (verified.status >= 200 && verified.status < 300)
    return { code: String(verified.status), message: `WeChat Pay knows an order ${outTradeNo}` };
  const body = wechatpayErrorBodySchema.safeParse(jsonOf(verified.data));
  const code = body.success ? body.data.code : null;
  const message = body.success ? (body.data.message ?? null) : null;
  if (code && NOT_FOUND_CODES.includes(code)) return { code, message: message ?? '' };
  throw classifyWechatpayFailure({ kind: 'response', status: verified.status, code, message }, 'query');
}
