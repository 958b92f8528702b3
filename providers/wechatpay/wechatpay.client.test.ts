import { generateKeyPairSync } from 'node:crypto';
import { eventually, freePort } from '../../sandbox/sandbox.testing';
import { unknownOrder, sandbox, useSandbox } from '../contract/adapter.testing';
import { ProviderInvalidRequestError, ProviderUnavailableError } from '../errors';
import type { WechatpayCredentials } from './wechatpay.config';
import { createWechatpayProvider } from './wechatpay.provider';
import { fault, nativePayment, newProvider, paidPayment } from './wechatpay.provider.testing';

// WeChat Pay's signed transport (wechatpay.client.ts) as the adapter meets its failures through
// wechatpay-axios-plugin against the sandbox: each classified as the workflow needs it.

useSandbox({ timeScale: 600 });

describe('failures, as wechatpay-axios-plugin meets them', () => {
  test("WeChat's SYSTEM_ERROR and an HTTP 500 are retryable", async () => {
    const { provider, account } = await newProvider();
    const order = await paidPayment(provider, account);
    await fault({ out_trade_no: order.outTradeNo, api: { fail: 'system_error' } });
    await expect(provider.queryPayment(order)).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: 'SYSTEM_ERROR',
    });
    await fault({ out_trade_no: order.outTradeNo, api: { fail: 'http_500' } });
    await expect(provider.closePayment(order)).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: 'http_500',
    });
    await fault({ out_trade_no: order.outTradeNo, api: null });
    expect((await provider.queryPayment(order)).status).toBe('succeeded');
  });

  test('an answer altered after signing, or signed by a key the account does not hold, is never accepted', async () => {
    const { provider, account } = await newProvider();
    const order = await paidPayment(provider, account);
    await fault({ account: account.externalId, tamper_response: true });
    const error = await provider.queryPayment(order).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(error).toMatchObject({
      providerCode: 'response_signature_invalid',
      message: expect.stringMatching(/signature verification/),
    });
    await fault({ account: account.externalId, tamper_response: false });

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

  test('an unreachable gateway, and one slower than the timeout, are retryable; the slow call may still have taken effect', async () => {
    const { account } = await newProvider();
    const unreachable = createWechatpayProvider(account, { sandboxUrl: `http://127.0.0.1:${await freePort()}` });
    await expect(unreachable.queryPayment(unknownOrder('X123456'))).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: 'network_error',
    });

    const impatient = createWechatpayProvider(account, { sandboxUrl: sandbox.url }, { timeoutMs: 200 });
    const { order } = await nativePayment(impatient);
    await fault({
      out_trade_no: order.outTradeNo,
      api: { slow_ms: 1500, methods: ['POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close'] },
    });
    await expect(impatient.closePayment(order)).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: 'network_error',
    });
    await eventually(async () => expect((await impatient.queryPayment(order)).status).toBe('closed'));
  });
});
