import type { Logger } from 'pino';
import { DueRunner } from './due-runner';
import type { DueTrade, StoredTrade, TradeStore } from './trades';

const POLL_MS = 1_000;
const DUE_BATCH = 100;

/**
 * Fires trades' expiry and auto-pay times. The times are columns of `sandbox_trades`, so they
 * survive a restart; `wakeAt` is only a hint for precision, and a slow poll catches the rest.
 */
export class TradeTimers {
  private readonly runner: DueRunner;

  constructor(
    private readonly trades: TradeStore,
    /** Only these providers' trades: rows of a simulator this process does not run are left alone. */
    private readonly providers: readonly string[],
    private readonly onDue: (trade: DueTrade) => Promise<void>,
    private readonly logger: Logger,
  ) {
    this.runner = new DueRunner(
      () => this.sweep(),
      (error) => this.logger.error({ err: error }, 'trade timer sweep failed'),
      POLL_MS,
    );
  }

  start(): void {
    this.runner.start();
  }

  async stop(): Promise<void> {
    await this.runner.stop();
  }

  /** Asks for a sweep at `at` (a trade was given a closing or auto-pay time). */
  wakeAt(at: Date): void {
    this.runner.wakeAt(at.getTime());
  }

  /** Asks for sweeps at a trade's closing and auto-pay times, those it has. */
  wakeFor(trade: Pick<StoredTrade, 'closesAt' | 'autoPayAt'>): void {
    if (trade.closesAt) this.wakeAt(trade.closesAt);
    if (trade.autoPayAt) this.wakeAt(trade.autoPayAt);
  }

  private async sweep(): Promise<void> {
    const due = await this.trades.due(new Date(), this.providers, DUE_BATCH);
    await Promise.all(
      due.map((trade) =>
        this.onDue(trade).catch((error: unknown) =>
          this.logger.error(
            { err: error, provider: trade.provider, out_trade_no: trade.outTradeNo },
            'trade timer failed',
          ),
        ),
      ),
    );
    // More may be due; a short pause keeps trades whose handler keeps failing from spinning the loop.
    if (due.length === DUE_BATCH) this.wakeAt(new Date(Date.now() + 50));
  }
}
