import type { NextFunction, Request, Response } from 'express';
import { ConcurrencyLimit, LimitReachedError } from './concurrency-limit';
import type { AdmissionLimits } from '../runtime/config';
import { AppError } from './errors';

/**
 * What a refused caller is told to wait. Turns come back within a second at capacity (an admitted
 * create answers in well under one), so a second later is the first time a retry can find one;
 * the 5 s of a 503 after a deadline (errors.ts) is for a worker that stopped answering.
 */
export const RETRY_AFTER_OVERLOAD_SECONDS = 1;

/** Raised when a merchant already has as many requests in flight as it may have: 429 `rate_limit_error`, nothing done. */
export class MerchantConcurrencyLimitError extends AppError {
  constructor(limit: number) {
    super(
      'rate_limit_error',
      'concurrency_limit_exceeded',
      `Too many requests in flight for this merchant: at most ${limit} payment, refund or cancel requests at once. Nothing was done; retry after ${RETRY_AFTER_OVERLOAD_SECONDS} s (with the same Idempotency-Key).`,
      null,
      { retryAfterSeconds: RETRY_AFTER_OVERLOAD_SECONDS },
    );
    this.name = 'MerchantConcurrencyLimitError';
  }
}

/** Raised when this API process is at capacity and no turn would come in time: 503, nothing done. */
export class ApiOverloadedError extends AppError {
  constructor(inFlight: number, limits: AdmissionLimits) {
    super(
      'api_error',
      'api_overloaded',
      `The API is at capacity: ${inFlight} payment, refund or cancel requests in flight in this process (as many as it answers within ${limits.targetLatencyMs} ms now), and no turn came within ${limits.maxQueueMs} ms. Nothing was done; retry after ${RETRY_AFTER_OVERLOAD_SECONDS} s (with the same Idempotency-Key).`,
      null,
      { status: 503, retryAfterSeconds: RETRY_AFTER_OVERLOAD_SECONDS },
    );
    this.name = 'ApiOverloadedError';
  }
}

/**
 * Admission control for the requests that start or drive workflows: the work they ask of the
 * worker is what overload is made of, so at most `maxInFlight` of them run at once in a process,
 * and at most `maxInFlightPerMerchant` of one merchant, so that one merchant's burst cannot take
 * every turn. A request past a bound is refused before anything is done (before its
 * Idempotency-Key is claimed, before any workflow starts): a retry, with the same key, is safe.
 * Everything else (reads, provider notifications, which finish work already admitted) passes.
 */
export class Admission {
  private readonly process: ConcurrencyLimit;
  /** Requests in flight or waiting, per merchant; a merchant with none has no entry. */
  private readonly perMerchant = new Map<string, number>();
  /** The process's limit as the latency of admitted requests sets it, between `floor` and `maxInFlight`. */
  private limit: number;
  private readonly floor: number;
  private lastLoweredAt = -Infinity;

  constructor(
    readonly limits: AdmissionLimits,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    // Never down to one at a time: the worker carries out several at once for the price of one.
    this.floor = Math.max(1, Math.ceil(limits.maxInFlight / 8));
    // The bound to start with, so that the bound an operator sets is the one a fresh process
    // keeps; the first slow answers at the limit bring it down in one or two steps.
    this.limit = limits.maxInFlight;
    this.process = new ConcurrencyLimit(limits.maxInFlight, limits.maxQueueMs, now);
  }

  /** How many may be in flight in this process now. */
  get currentLimit(): number {
    return this.process.max;
  }

  /** Requests holding a turn in this process now. */
  get inFlight(): number {
    return this.process.inFlight;
  }

  /**
   * Takes a turn for `merchant` (an id, or `admin`): resolves with the function that hands it
   * back; throws MerchantConcurrencyLimitError or ApiOverloadedError when refused.
   */
  async enter(merchant: string): Promise<() => void> {
    const held = this.perMerchant.get(merchant) ?? 0;
    if (held >= this.limits.maxInFlightPerMerchant)
      throw new MerchantConcurrencyLimitError(this.limits.maxInFlightPerMerchant);
    this.perMerchant.set(merchant, held + 1);
    const leaveMerchant = () => {
      const left = (this.perMerchant.get(merchant) ?? 1) - 1;
      if (left > 0) this.perMerchant.set(merchant, left);
      else this.perMerchant.delete(merchant);
    };
    let release: () => void;
    try {
      release = await this.process.acquire();
    } catch (error) {
      leaveMerchant();
      if (error instanceof LimitReachedError) throw new ApiOverloadedError(this.process.inFlight, this.limits);
      throw error;
    }
    const admittedAt = this.now();
    // Only an answer given while a bound held requests back (the process's, or the merchant's
    // when one merchant is the crowd) tells of the limit: one alone, slow because the machine is
    // busy with something else, says nothing of how many at once.
    const atLimit = this.process.inFlight >= this.process.max || held + 1 >= this.limits.maxInFlightPerMerchant;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const heldMs = this.now() - admittedAt;
      if (atLimit) this.adapt(heldMs);
      else if (heldMs <= this.limits.targetLatencyMs) this.recover();
      release();
      leaveMerchant();
    };
  }

  /**
   * What the worker can do changes (other work on the machine, payments completing, a worker
   * restarting), and in flight = throughput × latency: so the limit follows the latency of what
   * it admitted, as TCP's window follows loss. An answer slower than the target lowers it in
   * proportion (twice the target: half as many), at most by half and once per target's time, since
   * the answers in flight all tell of the same crowd; a faster one raises it by 1/limit, about one
   * a limit's worth of answers.
   */
  private adapt(heldMs: number): void {
    const { maxInFlight, targetLatencyMs } = this.limits;
    if (heldMs > targetLatencyMs) {
      const now = this.now();
      if (now - this.lastLoweredAt < targetLatencyMs) return;
      this.lastLoweredAt = now;
      this.limit = Math.max(this.floor, this.limit * Math.max(0.5, targetLatencyMs / heldMs));
    } else {
      this.limit = Math.min(maxInFlight, this.limit + 1 / this.limit);
    }
    this.process.resize(Math.floor(this.limit));
  }

  /**
   * A fast answer below the limit: the crowd that lowered it has gone, so the limit climbs back
   * by one a time towards its bound. Without this, a process that once hit overload stayed at
   * its floor (measured: after the bench's overload, 16 of 20 refunds sent at once refused 503).
   */
  private recover(): void {
    if (this.limit >= this.limits.maxInFlight) return;
    this.limit = Math.min(this.limits.maxInFlight, this.limit + 1);
    this.process.resize(Math.floor(this.limit));
  }

  /** Runs `work` in a turn for `merchant`. */
  async run<T>(merchant: string, work: () => Promise<T>): Promise<T> {
    const leave = await this.enter(merchant);
    try {
      return await work();
    } finally {
      leave();
    }
  }

  /**
   * Middleware admitting each request it sees under the merchant `merchantOf` names; the turn is
   * handed back when the answer has been sent (or the connection closed).
   */
  middleware(merchantOf: (req: Request) => string) {
    return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
      const leave = await this.enter(merchantOf(req));
      res.once('close', leave);
      next();
    };
  }
}
