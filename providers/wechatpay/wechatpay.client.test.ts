import { generateKeyPairSync } from 'node:crypto';
import { eventually } from '../../sandbox/sandbox.testing';
import { unknownOrder, sandbox, useSandbox } from '../contract/adapter.testing';
import { ProviderInvalidRequestError, ProviderUnavailableError } from '../errors';
import type { WechatpayCredentials } from './wechatpay.config';
import { createWechatpayProvider } from './wechatpay.provider';
import { fault, nativePayment, newProvider, paidPayment } from './wechatpay.provider.testing';

// WeChat Pay's signed transport (wechatpay.client.ts) as the adapter meets its failures through
// wechatpay-axios-plugin against the sandbox: each classified as the workflow needs it. The
// failures every adapter meets alike (the provider's system error, HTTP 500, a tampered answer, an
// unreachable gateway) are the contract suite's.

useSandbox({ timeScale: 600 });

describe('failures, as wechatpay-axios-plugin meets them', () => {
  test('an answer signed by a key the account does not hold is never accepted', async () => {
    const { provider, account } = await newProvider();
    const order = await paidPayment(provider, account);
    const credentials = account.credentials as WechatpayCredentials;
    const impostor = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    const [own] = credentials.verificationKeys;
    const misconfigured = createWechatpayProvider(
      {
        ...account,
        credentials: {
          ...credentials,
          verificationKeys: [{ kind: 'public_key', serial: own.serial, publicKey: impostor }],
        },
      },
      { sandboxUrl: sandbox.url },
    );
    await expect(misconfigured.queryPayment(order)).rejects.toMatchObject({
      providerCode: 'response_signature_invalid',
    });
  });

  test('a request signed with the wrong key is SIGN_ERROR; an unknown mchid is MCH_NOT_EXISTS: both for good', async () => {
    const { account } = await newProvider();
    const credentials = account.credentials as WechatpayCredentials;
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const wrongKey = createWechatpayProvider(
      { ...account, credentials: { ...credentials, merchantPrivateKey: otherKey } },
      { sandboxUrl: sandbox.url },
    );
    await expect(wrongKey.queryPayment(unknownOrder('X123456'))).rejects.toMatchObject({
      constructor: ProviderInvalidRequestError,
      providerCode: 'SIGN_ERROR',
    });
    const stranger = createWechatpayProvider(
      { ...account, externalId: '1999999999', credentials: { ...credentials, mchid: '1999999999' } },
      { sandboxUrl: sandbox.url },
    );
    await expect(stranger.queryPayment(unknownOrder('X123456'))).rejects.toMatchObject({
      constructor: ProviderInvalidRequestError,
      providerCode: 'MCH_NOT_EXISTS',
    });
  });

  test('a gateway slower than the timeout is retryable; the slow call may still have taken effect', async () => {
    const { provider, account } = await newProvider();
    // Only the call under test is impatient: on a busy machine 200 ms can pass before any answer.
    const impatient = createWechatpayProvider(account, { sandboxUrl: sandbox.url }, { timeoutMs: 200 });
    const { order } = await nativePayment(provider);
    await fault({
      out_trade_no: order.outTradeNo,
      api: { slow_ms: 1500, methods: ['POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close'] },
    });
    await expect(impatient.closePayment(order)).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: 'network_error',
    });
    await eventually(async () => expect((await provider.queryPayment(order)).status).toBe('closed'));
  });
});
