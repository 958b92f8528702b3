/** Raised when a ConcurrencyLimit refuses a caller: its turn would not come within `maxWaitMs`. */
export class LimitReachedError extends Error {
  constructor(readonly limit: ConcurrencyLimit) {
    super(`at most ${limit.max} at once, and no turn within ${limit.maxWaitMs} ms`);
    this.name = 'LimitReachedError';
  }
}

interface Waiter {
  resolve: () => void;
  timer: NodeJS.Timeout | null;
}

/**
 * Runs at most `max` callers at once; the others wait their turn, in order, for at most
 * `maxWaitMs` (no bound unless given). For work whose cost is another process's CPU, where more
 * at once only makes each one slower.
 *
 * A bounded wait refuses early: a caller whose expected wait (the queue ahead of it, served `max`
 * at a time at the mean time a turn has lately been held) is past `maxWaitMs` is refused at once
 * rather than after waiting for nothing. Refusals are then immediate, save when the estimate was
 * wrong; those wait `maxWaitMs` at most.
 */
export class ConcurrencyLimit {
  private running = 0;
  private readonly waiting: Waiter[] = [];
  /** Exponentially weighted mean of how long a turn is held, once one has been given back. */
  private meanHeldMs: number | null = null;

  private allowed: number;

  constructor(
    max: number,
    readonly maxWaitMs = Infinity,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    this.allowed = wholeAtLeastOne(max);
  }

  /** How many may run at once now. */
  get max(): number {
    return this.allowed;
  }

  /**
   * Changes how many may run at once: more lets waiters in now; fewer takes effect as turns are
   * handed back (nobody is stopped).
   */
  resize(max: number): void {
    this.allowed = wholeAtLeastOne(max);
    while (this.running < this.allowed && this.waiting.length > 0) {
      this.running++;
      this.waiting.shift()!.resolve();
    }
  }

  /** Callers holding a turn now. */
  get inFlight(): number {
    return this.running;
  }

  /** How long a caller arriving now would wait for its turn, as far as recent turns tell. */
  expectedWaitMs(): number {
    if (this.running < this.allowed) return 0;
    return ((this.waiting.length + 1) * (this.meanHeldMs ?? 0)) / this.allowed;
  }

  /**
   * Waits for a turn and gives the function that hands it back (call it once); throws
   * LimitReachedError when refused. `maxWaitMs` bounds this caller's wait instead of the limit's.
   */
  async acquire(maxWaitMs = this.maxWaitMs): Promise<() => void> {
    if (this.running < this.allowed) this.running++;
    else {
      if (this.expectedWaitMs() > maxWaitMs) throw new LimitReachedError(this);
      await this.waitForTurn(maxWaitMs);
    }
    const startedAt = this.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.observeHeld(this.now() - startedAt);
      // The turn passes straight to the next in line, so `running` counts it already; unless the
      // limit was lowered meanwhile, and this turn is one too many.
      const next = this.running <= this.allowed ? this.waiting.shift() : undefined;
      if (next) next.resolve();
      else this.running--;
    };
  }

  /** Runs `work` in a turn. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }

  private waitForTurn(maxWaitMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, timer: null };
      if (Number.isFinite(maxWaitMs)) {
        waiter.timer = setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(new LimitReachedError(this));
        }, maxWaitMs);
      }
      waiter.resolve = () => {
        if (waiter.timer) clearTimeout(waiter.timer);
        resolve();
      };
      this.waiting.push(waiter);
    });
  }

  private observeHeld(ms: number): void {
    // A weight of 1/8: a change in how long turns take shows within a few dozen of them.
    this.meanHeldMs = this.meanHeldMs === null ? ms : this.meanHeldMs + (ms - this.meanHeldMs) / 8;
  }
}

function wholeAtLeastOne(max: number): number {
  if (!(Number.isInteger(max) && max >= 1)) throw new RangeError(`max must be a whole number ≥ 1, not ${max}`);
  return max;
}
