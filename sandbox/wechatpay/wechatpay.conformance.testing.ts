import { Aes, Formatter, Rsa, Wechatpay } from 'wechatpay-axios-plugin';
import {
  newOutTradeNo,
  startReceiver,
  startTestSandbox,
  type ReceivedRequest,
  type Receiver,
  type TestSandbox,
} from '../sandbox.testing';
import type { WechatpaySandboxAccount } from './wechatpay.testing';

// What the WeChat Pay conformance tests (wechatpay.*conformance.test.ts) share: one sandbox and
// one merchant notify endpoint per test file (useConformanceSandbox), wechatpay-axios-plugin as a
// merchant configures it, and the calls their stories make. Not used by the sandbox itself.

/** WeChat's retry schedule in a test's time: 15 s → 250 ms, 30 s → 500 ms; refunds settle in 1 s. */
export const TIME_SCALE = 60;

/** This test file's sandbox and the merchant's notify endpoint, set before its tests run. */
export let sandbox: TestSandbox;
export let receiver: Receiver;
/** How the merchant's notify endpoint answers, per path; 204 unless told. */
export const responders = new Map<string, (index: number) => { status: number; body: string }>();

/** Starts the file's sandbox and notify endpoint before its tests, and stops them after. */
export function useConformanceSandbox(): void {
  beforeAll(async () => {
    sandbox = await startTestSandbox({ timeScale: TIME_SCALE });
    receiver = await startReceiver();
    receiver.respond = (request) => {
      const responder = responders.get(request.path);
      const index = receiver.requests.filter((r) => r.path === request.path).length - 1;
      return responder ? responder(index) : { status: 204, body: '' };
    };
  });

  afterAll(async () => {
    await sandbox?.close();
    await receiver?.close();
  });
}

export type Plugin = InstanceType<typeof Wechatpay>;

/** The plugin as a merchant configures it: mchid, merchant key and serial, WeChat's keys by serial. */
export function pluginFor(
  account: WechatpaySandboxAccount,
  overrides: { privateKey?: string; certs?: Record<string, string>; mchid?: string } = {},
): Plugin {
  const certs: Record<string, string> = {};
  if (account.wechatpay_public_key_id && account.wechatpay_public_key)
    certs[account.wechatpay_public_key_id] = account.wechatpay_public_key;
  for (const certificate of account.platform_certificates ?? []) certs[certificate.serial_no] = certificate.certificate;
  return new Wechatpay({
    mchid: overrides.mchid ?? account.mchid,
    serial: account.merchant_serial_no,
    privateKey: overrides.privateKey ?? account.merchant_private_key,
    certs: overrides.certs ?? certs,
    baseURL: account.base_url,
  });
}

export interface PluginAnswer {
  status: number;
  data: Record<string, unknown> & { code?: string };
  headers: Record<string, string>;
}

export interface PluginError {
  code?: string;
  message: string;
  response?: PluginAnswer;
}

export async function settle(call: Promise<unknown>): Promise<PluginAnswer> {
  try {
    return (await call) as PluginAnswer;
  } catch (error) {
    const response = (error as PluginError).response;
    if (!response) throw error;
    return response;
  }
}

export const notifyUrl = (outTradeNo: string, suffix = '') => `${receiver.url}/${outTradeNo}${suffix}`;
export const received = (path: string) => receiver.requests.filter((r) => r.path === path);

export function nativeBody(
  account: WechatpaySandboxAccount,
  outTradeNo: string,
  total = 1999,
  extra: Record<string, unknown> = {},
) {
  return {
    appid: account.appid,
    mchid: account.mchid,
    description: '茶具 Tea set',
    out_trade_no: outTradeNo,
    notify_url: notifyUrl(outTradeNo),
    amount: { total, currency: 'CNY' },
    ...extra,
  };
}

export const query = (wxpay: Plugin, account: WechatpaySandboxAccount, outTradeNo: string) =>
  wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.get({
    params: { mchid: account.mchid },
    out_trade_no: outTradeNo,
  } as never);

export const pay = (account: WechatpaySandboxAccount, outTradeNo: string, outcome: 'success' | 'fail' = 'success') =>
  sandbox.control('POST', '/_control/pay', {
    provider: 'wechatpay',
    out_trade_no: outTradeNo,
    account: account.mchid,
    outcome,
  });

export const tradeRecord = async (outTradeNo: string) =>
  (
    await sandbox.control<
      Record<string, unknown> & {
        notifications: Array<Record<string, unknown>>;
        refunds: Array<Record<string, unknown>>;
      }
    >('GET', `/_control/trades/wechatpay/${outTradeNo}`)
  ).body;

export async function paidOrder(account: WechatpaySandboxAccount, total = 1999): Promise<string> {
  const outTradeNo = newOutTradeNo('W');
  const created = await settle(
    pluginFor(account).v3.pay.transactions.native.post(nativeBody(account, outTradeNo, total)),
  );
  expect(created.status).toBe(200);
  expect((await pay(account, outTradeNo)).status).toBe(200);
  return outTradeNo;
}

/** Verifies a notification as a merchant using the plugin's own helpers would, and decrypts its resource. */
export function openNotification(
  request: ReceivedRequest,
  account: WechatpaySandboxAccount,
): { verified: boolean; resource: Record<string, unknown>; body: Record<string, unknown> } {
  const header = (name: string) => String(request.headers[name]);
  const keys: Record<string, string> = {};
  if (account.wechatpay_public_key_id && account.wechatpay_public_key)
    keys[account.wechatpay_public_key_id] = account.wechatpay_public_key;
  for (const certificate of account.platform_certificates ?? []) keys[certificate.serial_no] = certificate.certificate;
  const key = keys[header('wechatpay-serial')];
  const verified =
    key !== undefined &&
    Rsa.verify(
      Formatter.response(header('wechatpay-timestamp'), header('wechatpay-nonce'), request.rawBody),
      header('wechatpay-signature'),
      Rsa.from(key, Rsa.KEY_TYPE_PUBLIC),
    );
  const body = JSON.parse(request.rawBody) as {
    resource: { ciphertext: string; nonce: string; associated_data: string };
  };
  const resource = JSON.parse(
    Aes.AesGcm.decrypt(
      body.resource.ciphertext,
      account.api_v3_key,
      body.resource.nonce,
      body.resource.associated_data,
    ),
  ) as Record<string, unknown>;
  return { verified, resource, body: body as unknown as Record<string, unknown> };
}
