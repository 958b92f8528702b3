import type { PaymentFilters } from '../domain/payment-filters';

/**
 * The SQL condition (on the `payments` table under `alias`) that `filters` names, with its
 * parameters, for MikroORM's `execute` and QueryBuilder's `andWhere`. The merchant and mode are
 * the caller's to add: this never widens what a query sees, it only narrows it.
 * Every filter has an index to use (migrations/…_console_reads.ts) or narrows rows already found by one.
 */
export function paymentFilterSql(alias: string, filters: PaymentFilters): { sql: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const add = (condition: string, ...values: unknown[]) => {
    conditions.push(condition);
    params.push(...values);
  };
  if (filters.status) add(`${alias}.status = ?`, filters.status);
  if (filters.channel) add(`${alias}.channel = ?`, filters.channel);
  if (filters.provider) add(`${alias}.provider = ?`, filters.provider);
  if (filters.merchantOrderNo) add(`${alias}.merchant_order_no = ?`, filters.merchantOrderNo);
  if (filters.customer) add(`${alias}.customer_id = ?`, filters.customer);
  if (filters.amountGte !== undefined) add(`${alias}.amount >= ?`, filters.amountGte);
  if (filters.amountLte !== undefined) add(`${alias}.amount <= ?`, filters.amountLte);
  if (filters.createdGte) add(`${alias}.created_at >= ?::timestamptz`, filters.createdGte);
  if (filters.createdLte) add(`${alias}.created_at <= ?::timestamptz`, filters.createdLte);
  if (filters.q)
    add(
      `(${alias}.id = ? or ${alias}.merchant_order_no = ? or ${alias}.out_trade_no = ? or ${alias}.provider_trade_no = ? or ${alias}.customer_id = ?)`,
      ...Array<string>(5).fill(filters.q),
    );
  return { sql: conditions.length > 0 ? conditions.join(' and ') : 'true', params };
}
