/**
 * Runs `run` when something may be due: at the earliest time asked for with `wakeAt`, and on a
 * slow poll that catches whatever a timer missed (the due times themselves live in PostgreSQL, so
 * they survive a restart). One run at a time; a wake during a run makes it run once more after.
 */
export class DueRunner {
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private poller: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private rerun = false;
  private stopped = false;

  constructor(
    private readonly run: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
    private readonly pollMs = 1_000,
  ) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  start(): void {
    this.poller = setInterval(() => this.wake(), this.pollMs);
    this.poller.unref();
    this.wake();
  }

  /** Stops the timers and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.poller) clearInterval(this.poller);
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Asks for a run at `at` (epoch milliseconds), unless one is already planned earlier. */
  wakeAt(at: number): void {
    if (this.stopped || at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.timerAt = Number.POSITIVE_INFINITY;
        this.wake();
      },
      clampDelay(at - Date.now()),
    );
    // Like the poller: a trade due in an hour must not keep a process (a jest worker whose
    // in-process sandbox was not stopped) alive; the sandbox's server keeps its own process up.
    this.timer.unref();
  }

  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.running = this.run()
      .catch(this.onError)
      .finally(() => {
        this.running = null;
        if (this.rerun) {
          this.rerun = false;
          this.wake();
        }
      });
  }
}

/** setTimeout fires at once for delays past 2^31-1 ms; later times are left to the poll. */
export function clampDelay(ms: number): number {
  return Math.min(Math.max(0, ms), 2 ** 31 - 1);
}
