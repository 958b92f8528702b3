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

/**
 * A request refused as overloaded comes back with the same Idempotency-Key after its Retry-After;
 * a fresh one comes whenever. Turns pass to the waiting first (ConcurrencyLimit), and the client
 * whose create was just answered sends its next at once, so at capacity the fresh requests took
 * the turns and the retried ones found none: 3 of 10,000 creates were refused 20 times in a row
 * (bench, abandonment phase), and a chaos run's requests for 180 s. So a retry of a request this
 * process refused (its key remembered for a minute) may wait this long for a turn, ahead of the
 * fresh ones: bounded, so an admitted retry still answers within about a second.
 */
export const RETRY_WAIT_MS = 500;
const REFUSALS_REMEMBERED_MS = 60_000;
/** Bounds the memory of refused keys under a flood of distinct ones: the oldest are forgotten first. */
const REFUSALS_REMEMBERED = 10_000;

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
  constructor(inFlight: number, limits: AdmissionLimits, waitedMs: number) {
    super(
      'api_error',
      'api_overloaded',
      `The API is at capacity: ${inFlight} payment, refund or cancel requests in flight in this process (as many as it answers within ${limits.targetLatencyMs} ms now), and no turn came within ${waitedMs} ms. Nothing was done; retry after ${RETRY_AFTER_OVERLOAD_SECONDS} s (with the same Idempotency-Key).`,
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
  /** In flight from this many on, a late request lowers the limit before it answers (`noticeLateness`). */
  private readonly crowd: number;
  private lastLoweredAt = -Infinity;
  /** Retry keys (merchant and Idempotency-Key) of requests refused as overloaded, with when, oldest first. */
  private readonly refusedKeys = new Map<string, number>();
  /** When each turn in flight was given, oldest first; a turn handed back is marked and dropped from the front. */
  private readonly admitted: { at: number; done: boolean }[] = [];

  constructor(
    readonly limits: AdmissionLimits,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    // Never down to one at a time: the worker carries out several at once for the price of one.
    this.floor = Math.max(1, Math.ceil(limits.maxInFlight / 8));
    this.crowd = 2 * this.floor;
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
   * Takes a turn for `merchant` (an id, or `admin`) for a request with `idempotencyKey` (when it
   * has one): resolves with the function that hands it back; throws
   * MerchantConcurrencyLimitError or ApiOverloadedError when refused.
   */
  async enter(merchant: string, idempotencyKey: string | null = null): Promise<() => void> {
    const held = this.perMerchant.get(merchant) ?? 0;
    if (held >= this.limits.maxInFlightPerMerchant)
      throw new MerchantConcurrencyLimitError(this.limits.maxInFlightPerMerchant);
    this.perMerchant.set(merchant, held + 1);
    this.noticeLateness();
    const leaveMerchant = () => {
      const left = (this.perMerchant.get(merchant) ?? 1) - 1;
      if (left > 0) this.perMerchant.set(merchant, left);
      else this.perMerchant.delete(merchant);
    };
    const retryKey = idempotencyKey === null ? null : `${merchant} ${idempotencyKey}`;
    const retried = retryKey !== null && this.wasRefused(retryKey);
    const maxWaitMs = retried ? Math.max(RETRY_WAIT_MS, this.limits.maxQueueMs) : this.limits.maxQueueMs;
    let release: () => void;
    try {
      release = await this.process.acquire(maxWaitMs);
    } catch (error) {
      leaveMerchant();
      if (error instanceof LimitReachedError) {
        if (retryKey !== null) this.rememberRefused(retryKey);
        throw new ApiOverloadedError(this.process.inFlight, this.limits, maxWaitMs);
      }
      throw error;
    }
    if (retried) this.refusedKeys.delete(retryKey);
    const admittedAt = this.now();
    const turn = { at: admittedAt, done: false };
    this.admitted.push(turn);
    // Only an answer given while a bound held requests back (the process's, or the merchant's
    // when one merchant is the crowd) tells of the limit: one alone, slow because the machine is
    // busy with something else, says nothing of how many at once.
    const atLimit = this.process.inFlight >= this.process.max || held + 1 >= this.limits.maxInFlightPerMerchant;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      turn.done = true;
      while (this.admitted[0]?.done) this.admitted.shift();
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
   * a limit's worth of answers, and one within a quarter of the target by one, as TCP's slow
   * start: the worker that was dead (the limit came down while its requests waited for it) is
   * back, and at +1/limit the limit would stay near its floor through the next crowd, a turn coming
   * to the clients that retry only by luck (a chaos run's requests were refused for 180 s straight
   * so). A quarter, not a half: at 3× capacity answers within half the target are common enough
   * that the limit overshot (admitted p99 0.88–1.11 s, 1–7 over 1 s, against none).
   */
  private adapt(heldMs: number): void {
    const { maxInFlight, targetLatencyMs } = this.limits;
    if (heldMs > targetLatencyMs) {
      const now = this.now();
      if (now - this.lastLoweredAt < targetLatencyMs) return;
      this.lastLoweredAt = now;
      this.limit = Math.max(this.floor, this.limit * Math.max(0.5, targetLatencyMs / heldMs));
    } else {
      const step = heldMs <= targetLatencyMs / 4 ? 1 : 1 / this.limit;
      this.limit = Math.min(maxInFlight, this.limit + step);
    }
    this.process.resize(Math.floor(this.limit));
  }

  /**
   * Answers tell of the crowd only when they come, and in a burst they come late: at three times
   * capacity the bound's 32 were all admitted in the first second, before any answered, and the
   * last of them waited 2.2 s (bench, 2026-12-04). So a request still in flight past half the
   * target is taken as a slow answer, as soon as the next request arrives: with a crowd in flight
   * and the oldest late, the limit comes down to what is in flight, less in proportion to how late
   * (once per target's time, as `adapt`). The queue's delay, not its length, is the signal, as in
   * CoDel; below `crowd` in flight a late request is the machine being slow, not a crowd. Half
   * the target, because the crowd let in until then is answered over the next second: at the
   * full target admitted p99 was 1.0–1.3 s at 3× capacity, at half 0.8–0.9 s, none over 1 s.
   */
  private noticeLateness(): void {
    const inFlight = this.process.inFlight;
    const oldest = this.admitted[0];
    if (inFlight < this.crowd || !oldest) return;
    const now = this.now();
    const lateMs = now - oldest.at;
    const { targetLatencyMs } = this.limits;
    const lateAfterMs = targetLatencyMs / 2;
    if (lateMs <= lateAfterMs || now - this.lastLoweredAt < targetLatencyMs) return;
    this.lastLoweredAt = now;
    this.limit = Math.max(this.floor, Math.min(this.limit, inFlight * Math.max(0.5, lateAfterMs / lateMs)));
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

  private wasRefused(retryKey: string): boolean {
    const at = this.refusedKeys.get(retryKey);
    return at !== undefined && this.now() - at <= REFUSALS_REMEMBERED_MS;
  }

  private rememberRefused(retryKey: string): void {
    this.refusedKeys.delete(retryKey);
    this.refusedKeys.set(retryKey, this.now());
    if (this.refusedKeys.size > REFUSALS_REMEMBERED) this.refusedKeys.delete(this.refusedKeys.keys().next().value!);
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
      const leave = await this.enter(merchantOf(req), req.get('idempotency-key') ?? null);
      res.once('close', leave);
      next();
    };
  }
}
