import { PROVIDER_OPERATIONS, type PaymentProvider, type ProviderCallInstrument } from './provider';

/**
 * The adapter with each call that reaches the provider (`PROVIDER_OPERATIONS`) run through
 * `instrument`, once, here, rather than in every adapter. The rest (the adapter's name, its
 * notification checks, which are local crypto) is the adapter's own, unchanged.
 */
export function instrumented(provider: PaymentProvider, instrument: ProviderCallInstrument): PaymentProvider {
  const wrapped: Partial<PaymentProvider> = {};
  for (const operation of PROVIDER_OPERATIONS) {
    const call = provider[operation] as (...args: unknown[]) => Promise<unknown>;
    (wrapped as Record<string, unknown>)[operation] = (...args: unknown[]) =>
      instrument({ provider: provider.name, operation }, () => call.apply(provider, args));
  }
  // A prototype chain, not a copy: the adapter's other methods keep their `this`.
  return Object.assign(Object.create(provider) as PaymentProvider, wrapped);
}
