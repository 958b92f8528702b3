import { providerRefusalDetails } from './failures';

describe("a provider's refusal, read back from its failure", () => {
  test.each([
    ['the details an activity puts on it', [{ providerCode: 'ACQ.TRADE_HAS_CLOSE' }], 'ACQ.TRADE_HAS_CLOSE'],
    ['a refusal without a code of its own', [{ providerCode: null }], null],
    ['a failure recorded before the details were an object: the bare code', ['NO_AUTH'], 'NO_AUTH'],
    ['a failure without details', undefined, null],
    ['details of another shape', [{ remainingMinor: 5 }], null],
  ])('%s', (_story, details, providerCode) => {
    expect(providerRefusalDetails({ details })).toEqual({ providerCode });
  });
});
