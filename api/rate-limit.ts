import type { NextFunction, Request, Response } from 'express';
import { AppError } from './errors';

/** At most `limit` requests per `windowSeconds` for one key (an IP address, an account, a session). */
export interface RateLimitRule {
  name: string;
  limit: number;
  windowSeconds: number;
}

/** Raised when a caller went past a rate limit: 429 `rate_limit_error`, with Retry-After (API.md, Overload). */
export class RateLimitedError extends AppError {
  constructor(rule: RateLimitRule, retryAfterSeconds: number) {
    super(
      'rate_limit_error',
      'rate_limited',
      `Too many requests (${rule.name}); retry after ${retryAfterSeconds} s.`,
      null,
      { retryAfterSeconds },
    );
    this.name = 'RateLimitedError';
  }
}

/**
 * A fixed-window counter per key, in this process's memory. Memory rather than PostgreSQL on
 * purpose: the limits exist to keep a flood away from the database, and counting each request
 * in it would be the very write they save. With N API processes a caller gets up to N times the
 * limit, which still bounds what reaches the database (README.md, Rate limits).
 */
export class RateLimiter {
  private readonly windows = new Map<string, { startedAt: number; count: number }>();

  constructor(
    readonly rule: RateLimitRule,
    private readonly now: () => number = Date.now,
    /** Keys held at most; the oldest windows are dropped first, so that many callers cannot fill memory. */
    private readonly maxKeys = 100_000,
  ) {}

  /** Counts one request for `key`; throws RateLimitedError when it is over the limit. */
  take(key: string): void {
    const retryAfter = this.hit(key);
    if (retryAfter !== null) throw new RateLimitedError(this.rule, retryAfter);
  }

  /** Counts one request for `key`: null while within the limit, else the seconds until the window ends. */
  hit(key: string): number | null {
    const now = this.now();
    const windowMs = this.rule.windowSeconds * 1000;
    let window = this.windows.get(key);
    if (!window || now - window.startedAt >= windowMs) {
      this.windows.delete(key);
      if (this.windows.size >= this.maxKeys) this.dropExpired(now, windowMs);
      window = { startedAt: now, count: 0 };
      this.windows.set(key, window);
    }
    window.count += 1;
    if (window.count <= this.rule.limit) return null;
    return Math.max(1, Math.ceil((window.startedAt + windowMs - now) / 1000));
  }

  /** Whether `key` is over the limit now, without counting a request. */
  exceeded(key: string): number | null {
    const window = this.windows.get(key);
    const windowMs = this.rule.windowSeconds * 1000;
    const now = this.now();
    if (!window || now - window.startedAt >= windowMs || window.count < this.rule.limit) return null;
    return Math.max(1, Math.ceil((window.startedAt + windowMs - now) / 1000));
  }

  private dropExpired(now: number, windowMs: number): void {
    for (const [key, window] of this.windows) if (now - window.startedAt >= windowMs) this.windows.delete(key);
    // Still full: forget the oldest (a Map iterates in insertion order).
    for (const key of this.windows.keys()) {
      if (this.windows.size < this.maxKeys) break;
      this.windows.delete(key);
    }
  }
}

/**
 * The public routes' limits. Notifications: every request per IP (what verifying costs), and the
 * refused ones per IP and per account (what storing costs: forged notifications are the attack;
 * a provider's genuine ones are not refused). The hosted checkout is called by web/'s server, so
 * per IP is generous; per session bounds one link.
 */
export const PUBLIC_RATE_LIMITS = {
  notifyPerIp: { name: 'notifications per IP address', limit: 1200, windowSeconds: 60 },
  refusedNotificationsPerIp: { name: 'refused notifications per IP address', limit: 30, windowSeconds: 60 },
  refusedNotificationsPerAccount: { name: 'refused notifications per account', limit: 120, windowSeconds: 60 },
  checkoutPerIp: { name: 'checkout requests per IP address', limit: 1200, windowSeconds: 60 },
  checkoutPerSession: { name: 'checkout requests per session', limit: 120, windowSeconds: 60 },
  // Every phone a page looks up, saved or not (sends have their own limits in the database): one
  // link cannot be used to learn which phone numbers a merchant has saved.
  savedDetailsLookupsPerSession: { name: 'saved details lookups per session', limit: 10, windowSeconds: 3600 },
} as const satisfies Record<string, RateLimitRule>;

/** The caller's address as this process sees it (`trust proxy` is off: a proxy in front must be the limit's concern). */
export function clientIp(req: Request): string {
  return req.socket.remoteAddress ?? 'unknown';
}

/** Middleware counting each request against `limiter` under the key `keyOf` gives it. */
export function rateLimited(limiter: RateLimiter, keyOf: (req: Request) => string) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    limiter.take(keyOf(req));
    next();
  };
}
