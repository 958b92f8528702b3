import { ApiKeyCache } from './auth';

describe('the API key cache', () => {
  const holder = (expiresAt: number | null) => ({ id: 'mer_1', livemode: false, apiKeyId: 'key_1', expiresAt });

  test('holds a key for its ttl, then forgets it', () => {
    let now = 1_000;
    const cache = new ApiKeyCache(5_000, 10, () => now);
    cache.set('hash', holder(null));
    now += 4_999;
    expect(cache.get('hash')).not.toBeNull();
    now += 1;
    expect(cache.get('hash')).toBeNull();
  });

  test('never holds a rolled key past its expiry, however recently it was looked up', () => {
    let now = 1_000;
    const cache = new ApiKeyCache(5_000, 10, () => now);
    cache.set('hash', holder(now + 1_500));
    now += 1_499;
    expect(cache.get('hash')).not.toBeNull();
    now += 1;
    expect(cache.get('hash')).toBeNull();
  });

  test('a forgotten key (revoked, rolled) is looked up again at once', () => {
    const cache = new ApiKeyCache(5_000, 10, () => 0);
    cache.set('hash', holder(null));
    cache.forget('hash');
    expect(cache.get('hash')).toBeNull();
  });
});
