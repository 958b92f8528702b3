import type { Pool } from 'pg';
import { z } from 'zod';

/**
 * Daily statements (对账单) as each simulator serves them in its provider's format, and the edits
 * tests plant in them to see reconciliation find the differences.
 *
 * A simulator builds a day's statement in three steps: it lists the payments and refunds its
 * trades completed on that day (China time, the providers' business day) as `StatementLine`s,
 * `applyStatementEdits` plants the edits stored for that account and day, and the simulator
 * writes the lines in its provider's own format (Alipay's zipped GBK CSV, WeChat Pay's
 * back-quoted CSV, UnionPay's settlement file).
 */
export interface StatementLine<T = unknown> {
  kind: 'payment' | 'refund';
  outTradeNo: string;
  /** The merchant's refund number (Alipay out_request_no, WeChat out_refund_no, UnionPay the refund's orderId). */
  outRefundNo: string | null;
  amountFen: number;
  /** When the provider completed the payment or the refund. */
  at: Date;
  /** The simulator's own record behind the line; null for a line an `add` edit made up. */
  data: T | null;
}

export const STATEMENT_EDITS = ['drop', 'amount', 'add'] as const;

/**
 * The body of `POST /_control/statement_edits`: for one account (app id / mchid / merId) and one
 * day (`YYYY-MM-DD`, China time), `drop` removes the line of a payment (or, with `out_refund_no`,
 * of a refund), `amount` shows `amount` fen on it instead, and `add` makes up a payment line of
 * `amount` fen for an order number the merchant never sent.
 */
export const statementEditInputSchema = z
  .strictObject({
    provider: z.string().min(1),
    account: z.string().min(1),
    date: z.iso.date(),
    edit: z.enum(STATEMENT_EDITS),
    out_trade_no: z.string().min(1).max(64),
    out_refund_no: z.string().min(1).max(64).optional(),
    amount: z.int().min(1).optional(),
  })
  .superRefine((value, ctx) => {
    if (value.edit !== 'drop' && value.amount === undefined)
      ctx.addIssue({ code: 'custom', path: ['amount'], message: `required for ${value.edit}` });
    if (value.edit === 'add' && value.out_refund_no !== undefined)
      ctx.addIssue({ code: 'custom', path: ['out_refund_no'], message: 'add makes up payment lines only' });
  });
export type StatementEditInput = z.infer<typeof statementEditInputSchema>;

export interface StatementEdit {
  edit: (typeof STATEMENT_EDITS)[number];
  outTradeNo: string;
  outRefundNo: string | null;
  amountFen: number | null;
}

/** The edits planted in statements; kept in the sandbox's database, so they survive a restart. */
export class StatementEditStore {
  constructor(private readonly pool: Pool) {}

  async add(input: StatementEditInput): Promise<void> {
    await this.pool.query(
      `INSERT INTO sandbox_statement_edits (provider, account_id, bill_date, edit, out_trade_no, out_refund_no, amount_fen, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now())`,
      [
        input.provider,
        input.account,
        input.date,
        input.edit,
        input.out_trade_no,
        input.out_refund_no ?? null,
        input.amount ?? null,
      ],
    );
  }

  async forDay(provider: string, accountId: string, date: string): Promise<StatementEdit[]> {
    const { rows } = await this.pool.query<{
      edit: StatementEdit['edit'];
      out_trade_no: string;
      out_refund_no: string | null;
      amount_fen: string | null;
    }>(
      `SELECT edit, out_trade_no, out_refund_no, amount_fen FROM sandbox_statement_edits
        WHERE provider = $1 AND account_id = $2 AND bill_date = $3 ORDER BY id`,
      [provider, accountId, date],
    );
    // pg returns bigint as text.
    return rows.map((row) => ({
      edit: row.edit,
      outTradeNo: row.out_trade_no,
      outRefundNo: row.out_refund_no,
      amountFen: row.amount_fen === null ? null : Number(row.amount_fen),
    }));
  }
}

/** The day's lines with the planted edits applied; `at` is used for lines an `add` makes up. */
export function applyStatementEdits<T>(
  lines: StatementLine<T>[],
  edits: StatementEdit[],
  at: Date,
): StatementLine<T>[] {
  let result = [...lines];
  for (const edit of edits) {
    const matches = (line: StatementLine<T>) =>
      line.outTradeNo === edit.outTradeNo &&
      (edit.outRefundNo === null
        ? line.kind === 'payment'
        : line.kind === 'refund' && line.outRefundNo === edit.outRefundNo);
    switch (edit.edit) {
      case 'drop':
        result = result.filter((line) => !matches(line));
        break;
      case 'amount':
        result = result.map((line) =>
          matches(line) ? { ...line, amountFen: edit.amountFen ?? line.amountFen } : line,
        );
        break;
      case 'add':
        result.push({
          kind: 'payment',
          outTradeNo: edit.outTradeNo,
          outRefundNo: null,
          amountFen: edit.amountFen ?? 0,
          at,
          data: null,
        });
        break;
    }
  }
  return result;
}
