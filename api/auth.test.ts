import { ApiKeyCache } from './auth';

describe('the API key cache', () => {
  const holder = (expiresAt: number | null, merchant = 'mer_1') => ({
    id: merchant,
    livemode: false,
    apiKeyId: 'key_1',
    expiresAt,
    status: 'active' as const,
    liveModeOpen: true,
  });

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

  test('a merchant suspended (or its live mode changed) has its keys forgotten, and only its own', () => {
    const cache = new ApiKeyCache(5_000, 10, () => 0);
    cache.set('first', holder(null, 'mer_1'));
    cache.set('second', holder(null, 'mer_1'));
    cache.set('other', holder(null, 'mer_2'));
    cache.forgetMerchant('mer_1');
    expect(cache.get('first')).toBeNull();
    expect(cache.get('second')).toBeNull();
    expect(cache.get('other')).not.toBeNull();
  });
});
