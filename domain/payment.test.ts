import { paidAfterClosing, type PaymentStatus } from './payment';
import type { ProviderTradeStatus } from './provider-reports';

describe('paid after closing: the provider says the shopper paid a payment that had not succeeded here', () => {
  test.each<[PaymentStatus, ProviderTradeStatus, number, boolean]>([
    ['expired', 'succeeded', 800, true],
    ['canceled', 'succeeded', 800, true],
    ['failed', 'succeeded', 800, true],
    // Already succeeded here: a repeated notification, nothing to give back.
    ['succeeded', 'succeeded', 800, false],
    // The provider does not say it was paid.
    ['expired', 'closed', 800, false],
    ['expired', 'pending', 800, false],
    // Another amount is not this payment's money.
    ['expired', 'succeeded', 799, false],
  ])('a payment %s here, the provider says %s for %i: %s', (status, tradeStatus, amountMinor, expected) => {
    expect(paidAfterClosing({ status, amountMinor: 800 }, { status: tradeStatus, amountMinor })).toBe(expected);
  });
});
