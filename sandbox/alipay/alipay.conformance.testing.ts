import { AlipaySdk } from 'alipay-sdk';
import {
  newOutTradeNo,
  startReceiver,
  startTestSandbox,
  type AlipaySandboxAccount,
  type ReceivedRequest,
  type Receiver,
  type TestSandbox,
} from '../sandbox.testing';

// What the Alipay conformance tests (alipay.*conformance.test.ts) share: one sandbox and one
// merchant notify endpoint per test file (useConformanceSandbox), alipay-sdk as a merchant
// configures it, and the calls their stories make. Not used by the sandbox itself.

/** 4m → 400 ms, 10m → 1 s, 1h → 6 s: Alipay's retry schedule in a test's time. */
export const TIME_SCALE = 600;

/** This test file's sandbox and the merchant's notify endpoint, set before its tests run. */
export let sandbox: TestSandbox;
export let receiver: Receiver;
/** How the merchant's notify endpoint answers, per order; `success` unless told. */
export const responders = new Map<
  string,
  (request: ReceivedRequest, index: number) => { status: number; body: string }
>();

/** Starts the file's sandbox and notify endpoint before its tests, and stops them after. */
export function useConformanceSandbox(): void {
  beforeAll(async () => {
    sandbox = await startTestSandbox({ timeScale: TIME_SCALE });
    receiver = await startReceiver();
    receiver.respond = (request) => {
      const sameOrder = receiver.requests.filter((r) => r.form.out_trade_no === request.form.out_trade_no);
      const responder = responders.get(request.form.out_trade_no);
      return responder ? responder(request, sameOrder.length - 1) : { status: 200, body: 'success' };
    };
  });

  afterAll(async () => {
    await sandbox?.close();
    await receiver?.close();
  });
}

export function sdkFor(
  account: AlipaySandboxAccount,
  overrides: Partial<ConstructorParameters<typeof AlipaySdk>[0]> = {},
): AlipaySdk {
  return new AlipaySdk({
    appId: account.app_id,
    privateKey: account.merchant_private_key,
    alipayPublicKey: account.alipay_public_key,
    gateway: account.gateway,
    camelcase: false,
    ...overrides,
  });
}

export const received = (outTradeNo: string) => receiver.requests.filter((r) => r.form.out_trade_no === outTradeNo);

export async function precreate(
  sdk: AlipaySdk,
  outTradeNo: string,
  amount = '19.99',
  extra: Record<string, unknown> = {},
) {
  return sdk.exec(
    'alipay.trade.precreate',
    {
      notify_url: receiver.url,
      bizContent: { out_trade_no: outTradeNo, total_amount: amount, subject: '茶具 Tea set', ...extra },
    },
    { validateSign: true },
  );
}

export const query = (sdk: AlipaySdk, outTradeNo: string) =>
  sdk.exec('alipay.trade.query', { bizContent: { out_trade_no: outTradeNo } }, { validateSign: true });

/** A precreated order, scanned and paid through the control API. */
export async function paidTrade(sdk: AlipaySdk, amount: string): Promise<string> {
  const outTradeNo = newOutTradeNo();
  expect((await precreate(sdk, outTradeNo, amount)).code).toBe('10000');
  expect((await pay(outTradeNo)).status).toBe(200);
  return outTradeNo;
}

export const pay = (outTradeNo: string, outcome: 'success' | 'fail' = 'success') =>
  sandbox.control('POST', '/_control/pay', { provider: 'alipay', out_trade_no: outTradeNo, outcome });

export const tradeRecord = async (outTradeNo: string) =>
  (
    await sandbox.control<Record<string, unknown> & { notifications: Array<Record<string, unknown>> }>(
      'GET',
      `/_control/trades/alipay/${outTradeNo}`,
    )
  ).body;

/** The first form of a page: its action and its named inputs. */
export function formOf(html: string): { action: string; fields: URLSearchParams } {
  const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(html);
  if (!form) throw new Error(`no form in ${html.slice(0, 200)}`);
  const fields = new URLSearchParams();
  for (const input of form[2].matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) {
    fields.set(input[1], input[2].replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
  }
  return { action: form[1].replace(/&amp;/g, '&'), fields };
}
