import { generateKeyPairSync } from 'node:crypto';
import { eventually, freePort } from '../../sandbox/sandbox.testing';
import { sandbox, useSandbox } from '../contract/adapter.testing';
import type { ProviderAccount } from '../../domain/provider-account';
import { ProviderInvalidRequestError, ProviderUnavailableError } from '../errors';
import { createAlipayProvider } from './alipay.provider';
import { fault, newProvider, openAccount, paidPayment, qrPayment } from './alipay.provider.testing';

// Alipay's signed transport (alipay.client.ts) as the adapter meets its failures through
// alipay-sdk against the sandbox: each classified as the workflow needs it.

useSandbox({ timeScale: 1200 });

describe('failures, as alipay-sdk meets them', () => {
  test("Alipay's system busy and HTTP 500 are retryable", async () => {
    const { provider } = await newProvider();
    const order = await paidPayment(provider);
    await fault({ out_trade_no: order.outTradeNo, api: { fail: 'system_error' } });
    await expect(provider.queryPayment(order)).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: 'isp.unknow-error',
    });
    await fault({ out_trade_no: order.outTradeNo, api: { fail: 'http_500' } });
    await expect(provider.closePayment(order)).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: 'http_500',
    });
    await fault({ out_trade_no: order.outTradeNo, api: null });
    expect((await provider.queryPayment(order)).status).toBe('succeeded');
  });

  test('an answer altered after signing is never accepted', async () => {
    const { provider, account } = await newProvider();
    const order = await paidPayment(provider);
    await fault({ account: account.externalId, tamper_response: true });
    const error = await provider.queryPayment(order).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(error).toMatchObject({
      providerCode: 'response_signature_invalid',
      message: expect.stringMatching(/signature verification/),
    });
    await fault({ account: account.externalId, tamper_response: false });
  });

  test('a gateway slower than the timeout is retryable; the call may still have taken effect', async () => {
    const { provider } = await newProvider({ timeoutMs: 300 });
    const { order, qr } = await qrPayment(provider);
    await fetch(qr);
    // Far slower than the timeout: urllib's timers are coarse (up to a second late).
    await fault({ out_trade_no: order.outTradeNo, api: { slow_ms: 4000, methods: ['alipay.trade.close'] } });
    await expect(provider.closePayment(order)).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: 'network_error',
    });
    await eventually(async () => expect((await provider.queryPayment(order)).status).toBe('closed'));
  });

  test('a request signed with the wrong key is an invalid request', async () => {
    const account = await openAccount();
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs1', format: 'pem' })
      .toString();
    const provider = createAlipayProvider(
      { ...account, credentials: { ...(account.credentials as Record<string, string>), privateKey: otherKey } },
      { sandboxUrl: sandbox.url },
    );
    await expect(provider.queryPayment({ outTradeNo: 'X', createdAt: new Date() })).rejects.toMatchObject({
      constructor: ProviderInvalidRequestError,
      providerCode: 'isv.invalid-signature',
    });
  });

  test('an app the gateway does not know gets an unsigned answer, which is not trusted', async () => {
    const account = await openAccount();
    const stranger: ProviderAccount = {
      ...account,
      externalId: '2021999999999999',
      credentials: { ...(account.credentials as Record<string, string>), appId: '2021999999999999' },
    };
    await expect(
      createAlipayProvider(stranger, { sandboxUrl: sandbox.url }).queryPayment({
        outTradeNo: 'X',
        createdAt: new Date(),
      }),
    ).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: 'response_signature_invalid',
    });
  });

  test('an unreachable gateway is retryable', async () => {
    const account = await openAccount();
    const provider = createAlipayProvider(account, { sandboxUrl: `http://127.0.0.1:${await freePort()}` });
    await expect(provider.queryPayment({ outTradeNo: 'X', createdAt: new Date() })).rejects.toMatchObject({
      constructor: ProviderUnavailableError,
      providerCode: 'network_error',
    });
  });
});
