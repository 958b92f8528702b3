import type { Pool } from 'pg';
import { randomToken } from '../domain/ids';

/** How a trade is addressed: by provider, the merchant account (app id / mchid / merId) and the merchant's order number. */
export interface TradeKey {
  provider: string;
  accountId: string;
  outTradeNo: string;
}

export type PayOutcome = 'success' | 'fail';

/**
 * A simulated trade. The generic columns are what the sandbox itself needs (lookups, the buyer
 * page's token, expiry and auto-pay timers); `data` is the simulator's own record.
 */
export interface StoredTrade<T = unknown> extends TradeKey {
  /** The provider's own status word, e.g. `WAIT_BUYER_PAY`. */
  state: string;
  /** The unguessable token in the buyer page's URL. */
  buyerToken: string;
  /** When an unpaid trade closes by itself; null once it cannot be paid any more. */
  closesAt: Date | null;
  /** When the `auto_pay` fault pays it; null when none is pending. */
  autoPayAt: Date | null;
  autoPayOutcome: PayOutcome | null;
  data: T;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * A trade's first version, created now. Its buyer pages' token is random unless the provider's own
 * id serves as one (WeChat's prepay_id); it has no auto-pay unless `scheduledAutoPay` gave one.
 */
export function newTrade<T>(
  key: TradeKey,
  now: Date,
  fields: Pick<StoredTrade<T>, 'state' | 'closesAt' | 'data'> &
    Partial<Pick<StoredTrade<T>, 'buyerToken' | 'autoPayAt' | 'autoPayOutcome'>>,
): StoredTrade<T> {
  return {
    provider: key.provider,
    accountId: key.accountId,
    outTradeNo: key.outTradeNo,
    state: fields.state,
    buyerToken: fields.buyerToken ?? randomToken(24),
    closesAt: fields.closesAt,
    autoPayAt: fields.autoPayAt ?? null,
    autoPayOutcome: fields.autoPayOutcome ?? null,
    data: fields.data,
    createdAt: now,
    updatedAt: now,
  };
}

/** The outcome of a change: the trade's next version (null leaves it untouched) and what the caller gets back. */
export interface TradeChange<T, R> {
  next: StoredTrade<T> | null;
  result: R;
}

/** A trade whose expiry or auto-pay time has passed. */
export interface DueTrade extends TradeKey {
  expired: boolean;
  autoPay: boolean;
}

interface TradeRow {
  provider: string;
  account_id: string;
  out_trade_no: string;
  state: string;
  buyer_token: string;
  closes_at: Date | null;
  auto_pay_at: Date | null;
  auto_pay_outcome: PayOutcome | null;
  data: unknown;
  created_at: Date;
  updated_at: Date;
}

function fromRow<T>(row: TradeRow): StoredTrade<T> {
  return {
    provider: row.provider,
    accountId: row.account_id,
    outTradeNo: row.out_trade_no,
    state: row.state,
    buyerToken: row.buyer_token,
    closesAt: row.closes_at,
    autoPayAt: row.auto_pay_at,
    autoPayOutcome: row.auto_pay_outcome,
    data: row.data as T,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const COLUMNS =
  'provider, account_id, out_trade_no, state, buyer_token, closes_at, auto_pay_at, auto_pay_outcome, data, created_at, updated_at';

/** Persists simulated trades; every change runs in a transaction holding the trade's row lock. */
export class TradeStore {
  constructor(private readonly pool: Pool) {}

  async get<T>(key: TradeKey): Promise<StoredTrade<T> | null> {
    const { rows } = await this.pool.query<TradeRow>(
      `SELECT ${COLUMNS} FROM sandbox_trades WHERE provider = $1 AND account_id = $2 AND out_trade_no = $3`,
      [key.provider, key.accountId, key.outTradeNo],
    );
    return rows[0] ? fromRow<T>(rows[0]) : null;
  }

  /** Trades with this order number, across accounts unless `accountId` narrows it. */
  async findByOutTradeNo<T>(provider: string, outTradeNo: string, accountId?: string): Promise<StoredTrade<T>[]> {
    const { rows } = await this.pool.query<TradeRow>(
      `SELECT ${COLUMNS} FROM sandbox_trades
        WHERE provider = $1 AND out_trade_no = $2 AND ($3::text IS NULL OR account_id = $3)
        ORDER BY created_at`,
      [provider, outTradeNo, accountId ?? null],
    );
    return rows.map((row) => fromRow<T>(row));
  }

  /** A trade of one account by a field of its simulator record, e.g. the provider's own trade number. */
  async findByDataField<T>(
    provider: string,
    accountId: string,
    field: string,
    value: string,
  ): Promise<StoredTrade<T> | null> {
    const { rows } = await this.pool.query<TradeRow>(
      `SELECT ${COLUMNS} FROM sandbox_trades WHERE provider = $1 AND account_id = $2 AND data ->> $3 = $4 LIMIT 1`,
      [provider, accountId, field, value],
    );
    return rows[0] ? fromRow<T>(rows[0]) : null;
  }

  /** Every trade of one account, oldest first (statements are built from them). */
  async forAccount<T>(provider: string, accountId: string): Promise<StoredTrade<T>[]> {
    const { rows } = await this.pool.query<TradeRow>(
      `SELECT ${COLUMNS} FROM sandbox_trades WHERE provider = $1 AND account_id = $2 ORDER BY created_at`,
      [provider, accountId],
    );
    return rows.map((row) => fromRow<T>(row));
  }

  async findByToken<T>(provider: string, token: string): Promise<StoredTrade<T> | null> {
    const { rows } = await this.pool.query<TradeRow>(
      `SELECT ${COLUMNS} FROM sandbox_trades WHERE provider = $1 AND buyer_token = $2`,
      [provider, token],
    );
    return rows[0] ? fromRow<T>(rows[0]) : null;
  }

  /**
   * Reads the trade under a row lock, lets `decide` compute its next version, and writes it.
   * `decide` may run more than once (when two requests race to create the same trade), so it
   * must not have side effects: the caller acts on the result after the commit.
   */
  async change<T, R>(
    key: TradeKey,
    decide: (current: StoredTrade<T> | null) => TradeChange<T, R> | Promise<TradeChange<T, R>>,
  ): Promise<R> {
    for (let attempt = 0; ; attempt++) {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<TradeRow>(
          `SELECT ${COLUMNS} FROM sandbox_trades WHERE provider = $1 AND account_id = $2 AND out_trade_no = $3 FOR UPDATE`,
          [key.provider, key.accountId, key.outTradeNo],
        );
        const current = rows[0] ? fromRow<T>(rows[0]) : null;
        const { next, result } = await decide(current);
        if (next) {
          const values = [
            key.provider,
            key.accountId,
            key.outTradeNo,
            next.state,
            next.buyerToken,
            next.closesAt,
            next.autoPayAt,
            next.autoPayOutcome,
            JSON.stringify(next.data),
            next.createdAt,
            next.updatedAt,
          ];
          if (current) {
            await client.query(
              `UPDATE sandbox_trades SET state = $4, buyer_token = $5, closes_at = $6, auto_pay_at = $7,
                 auto_pay_outcome = $8, data = $9, created_at = $10, updated_at = $11
               WHERE provider = $1 AND account_id = $2 AND out_trade_no = $3`,
              values,
            );
          } else {
            const inserted = await client.query(
              `INSERT INTO sandbox_trades (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
               ON CONFLICT (provider, account_id, out_trade_no) DO NOTHING`,
              values,
            );
            if (inserted.rowCount === 0 && attempt < 3) {
              // Another request created it between our SELECT and INSERT: decide again, against it.
              await client.query('ROLLBACK');
              continue;
            }
          }
        }
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    }
  }

  /**
   * Counts one answer of the provider's query API about the trade, so that a test can see the
   * merchant looked (a poll) before it asserts that nothing changed. Kept beside the trade's row,
   * never written by `change`.
   */
  async countQuery(key: TradeKey): Promise<void> {
    await this.pool.query(
      `UPDATE sandbox_trades SET queries = queries + 1 WHERE provider = $1 AND account_id = $2 AND out_trade_no = $3`,
      [key.provider, key.accountId, key.outTradeNo],
    );
  }

  /** How many times the provider's query API answered about the trade; 0 when there is no such trade. */
  async queryCount(key: TradeKey): Promise<number> {
    const { rows } = await this.pool.query<{ queries: number }>(
      `SELECT queries FROM sandbox_trades WHERE provider = $1 AND account_id = $2 AND out_trade_no = $3`,
      [key.provider, key.accountId, key.outTradeNo],
    );
    return rows[0]?.queries ?? 0;
  }

  /** Trades whose expiry or auto-pay time has come. */
  async due(now: Date, providers: readonly string[], limit = 100): Promise<DueTrade[]> {
    const { rows } = await this.pool.query<{
      provider: string;
      account_id: string;
      out_trade_no: string;
      expired: boolean;
      auto_pay: boolean;
    }>(
      `SELECT provider, account_id, out_trade_no,
              coalesce(closes_at <= $1, false) AS expired, coalesce(auto_pay_at <= $1, false) AS auto_pay
         FROM sandbox_trades
        WHERE (closes_at <= $1 OR auto_pay_at <= $1) AND provider = ANY($3::text[])
        ORDER BY least(closes_at, auto_pay_at)
        LIMIT $2`,
      [now, limit, [...providers]],
    );
    return rows.map((row) => ({
      provider: row.provider,
      accountId: row.account_id,
      outTradeNo: row.out_trade_no,
      expired: row.expired,
      autoPay: row.auto_pay,
    }));
  }
}
