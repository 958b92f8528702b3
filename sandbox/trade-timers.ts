import type { Logger } from 'pino';
import type { DueTrade, TradeStore } from './trades';

const POLL_MS = 1_000;
const DUE_BATCH = 100;

/**
 * Fires trades' expiry and auto-pay times. The times are columns of `sandbox_trades`, so they
 * survive a restart; `wakeAt` is only a hint for precision, and a slow poll catches the rest.
 */
export class TradeTimers {
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private poller: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private rerun = false;
  private stopped = false;

  constructor(
    private readonly trades: TradeStore,
    /** Only these providers' trades: rows of a simulator this process does not run are left alone. */
    private readonly providers: readonly string[],
    private readonly onDue: (trade: DueTrade) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.poller = setInterval(() => this.wake(), POLL_MS);
    this.poller.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.poller) clearInterval(this.poller);
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Asks for a sweep at `at` (a trade was given a closing or auto-pay time). */
  wakeAt(at: Date): void {
    const ms = at.getTime();
    if (this.stopped || ms >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = ms;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Number.POSITIVE_INFINITY;
      this.wake();
    }, clampDelay(ms - Date.now()));
  }

  private wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.running = this.sweep()
      .catch((error: unknown) => this.logger.error({ err: error }, 'trade timer sweep failed'))
      .finally(() => {
        this.running = null;
        if (this.rerun) {
          this.rerun = false;
          this.wake();
        }
      });
  }

  private async sweep(): Promise<void> {
    const due = await this.trades.due(new Date(), this.providers, DUE_BATCH);
    await Promise.all(
      due.map((trade) =>
        this.onDue(trade).catch((error: unknown) =>
          this.logger.error({ err: error, provider: trade.provider, out_trade_no: trade.outTradeNo }, 'trade timer failed'),
        ),
      ),
    );
    // More may be due; a short pause keeps trades whose handler keeps failing from spinning the loop.
    if (due.length === DUE_BATCH) this.wakeAt(new Date(Date.now() + 50));
  }
}

/** setTimeout fires at once for delays past 2^31-1 ms; later times are left to the poll. */
export function clampDelay(ms: number): number {
  return Math.min(Math.max(0, ms), 2 ** 31 - 1);
}
