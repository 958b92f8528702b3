import { generateKeyPairSync } from 'node:crypto';
import type { ProviderAccount } from '../domain/provider-account';
import { createProviderCache, type SealedProviderAccount } from './provider-cache';

// The cache of adapters the worker's activities and the API's notify endpoint share. "Sealed" here
// is plain JSON: what the cache must get right is when it opens a row again, not the encryption.
const keys = () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  return {
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    alipayPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
};
const row = (credentials: object, id = 'pa_one'): SealedProviderAccount => ({
  id,
  provider: 'alipay',
  livemode: false,
  externalId: '2021000000000001',
  credentialsEncrypted: JSON.stringify({ appId: '2021000000000001', ...credentials }),
});

function countingCache() {
  const opened: string[] = [];
  const cache = createProviderCache(
    (sealed): ProviderAccount => {
      opened.push(sealed.id);
      return { ...sealed, credentials: JSON.parse(sealed.credentialsEncrypted) };
    },
    { sandboxUrl: 'http://127.0.0.1:9' },
  );
  return { cache, opened };
}

describe('provider adapter cache', () => {
  test('when an account is used again with the same row, then its adapter is built once', () => {
    const { cache, opened } = countingCache();
    const credentials = keys();
    const first = cache.providerOf(row(credentials));
    expect(cache.providerOf(row(credentials))).toBe(first);
    expect(opened).toEqual(['pa_one']);
  });

  test('when the row’s sealed credentials change (rotated keys), then the next call builds a new adapter', () => {
    const { cache, opened } = countingCache();
    const first = cache.providerOf(row(keys()));
    const rotated = cache.providerOf(row(keys()));
    expect(rotated).not.toBe(first);
    expect(opened).toEqual(['pa_one', 'pa_one']);
  });

  test('when two accounts are used, then each has its own adapter', () => {
    const { cache } = countingCache();
    const credentials = keys();
    expect(cache.providerOf(row(credentials, 'pa_one'))).not.toBe(cache.providerOf(row(credentials, 'pa_two')));
  });
});
