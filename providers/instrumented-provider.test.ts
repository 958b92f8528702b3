/** Every call that reaches the provider goes through the instrument once; the rest is the adapter's own. */
import { instrumented } from './instrumented-provider';
import type { PaymentProvider, ProviderCallInstrument } from './provider';
import { ProviderUnavailableError } from './errors';

test('provider calls are wrapped, keep their adapter, and pass errors through; notification checks are not', async () => {
  const adapter = {
    name: 'alipay',
    channels: [],
    secret: 'kept',
    async queryPayment(this: { secret: string }) {
      return this.secret;
    },
    async closePayment() {
      throw new ProviderUnavailableError('down', 'SYSTEM_ERROR');
    },
    async verifyNotification() {
      return 'verified';
    },
  } as unknown as PaymentProvider;
  const seen: string[] = [];
  const instrument: ProviderCallInstrument = async (call, run) => {
    seen.push(`${call.provider}.${call.operation}`);
    return run();
  };
  const provider = instrumented(adapter, instrument);

  await expect(provider.queryPayment({ outTradeNo: 'pay_1', createdAt: new Date() })).resolves.toBe('kept');
  await expect(provider.closePayment({ outTradeNo: 'pay_1', createdAt: new Date() })).rejects.toThrow(
    ProviderUnavailableError,
  );
  await expect(provider.verifyNotification({ headers: {}, rawBody: Buffer.alloc(0), form: null })).resolves.toBe(
    'verified',
  );
  expect(provider.name).toBe('alipay');
  expect(seen).toEqual(['alipay.queryPayment', 'alipay.closePayment']);
});
