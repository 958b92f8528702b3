import { RateLimitedError, RateLimiter } from './rate-limit';

describe('a fixed-window rate limit per key', () => {
  let now = 1_000_000;
  const clock = () => now;

  test('within the limit every request passes; past it, 429 with the seconds left in the window', () => {
    const limiter = new RateLimiter({ name: 'test', limit: 3, windowSeconds: 60 }, clock);
    for (let i = 0; i < 3; i++) expect(limiter.hit('1.2.3.4')).toBeNull();
    now += 15_000;
    expect(limiter.hit('1.2.3.4')).toBe(45);
    expect(() => limiter.take('1.2.3.4')).toThrow(RateLimitedError);
    // Another key has its own count.
    expect(limiter.hit('5.6.7.8')).toBeNull();
  });

  test('a new window starts afresh', () => {
    const limiter = new RateLimiter({ name: 'test', limit: 1, windowSeconds: 10 }, clock);
    expect(limiter.hit('k')).toBeNull();
    expect(limiter.hit('k')).not.toBeNull();
    now += 10_000;
    expect(limiter.hit('k')).toBeNull();
  });

  test('exceeded() tells without counting', () => {
    const limiter = new RateLimiter({ name: 'test', limit: 2, windowSeconds: 60 }, clock);
    expect(limiter.exceeded('k')).toBeNull();
    limiter.hit('k');
    expect(limiter.exceeded('k')).toBeNull();
    limiter.hit('k');
    expect(limiter.exceeded('k')).toBe(60);
  });

  test('many callers cannot fill memory: the oldest keys are forgotten', () => {
    const limiter = new RateLimiter({ name: 'test', limit: 1, windowSeconds: 60 }, clock, 10);
    for (let i = 0; i < 100; i++) limiter.hit(`ip${i}`);
    expect(limiter.hit('ip0')).toBeNull();
    expect(limiter.hit('ip99')).not.toBeNull();
  });
});
