import { paymentFilterSql } from '../db/payment-filters';
import {
  PAYMENT_EXPORT_HEADER,
  PAYMENT_EXPORT_PAGE_SIZE,
  paymentCsvLine,
  type PaymentExportInput,
  type PaymentExportRow,
} from '../domain/payment-export';
import type { PaymentFilters } from '../domain/payment-filters';
import type { ActivityDeps } from './deps';

/** What a page wrote: how many payments, and the last one (where the next page starts), null when none. */
export interface ExportPage {
  rows: number;
  last: string | null;
}

export function createPaymentExportActivities(deps: ActivityDeps) {
  const { db } = deps;

  return {
    /**
     * Stores the export's row as the API made it (the API writes it too, right after starting the
     * workflow; whichever comes first wins and both write the same).
     */
    async recordPaymentExport(input: PaymentExportInput): Promise<void> {
      await db
        .fork()
        .execute(
          `insert into payment_exports (id, merchant_id, livemode, status, filters, created_at) values (?, ?, ?, 'pending', ?, ?) on conflict (id) do nothing`,
          [input.id, input.merchantId, input.livemode, JSON.stringify(input.filters), input.createdAt],
        );
    },

    /**
     * Writes chunk `number` of the file: the page of the export's payments after `after`, newest
     * first (as the list), the first chunk starting with the header. A retry writes the chunk again
     * in place, so the file never holds a page twice.
     */
    async writePaymentExportPage(input: {
      exportId: string;
      number: number;
      after: string | null;
    }): Promise<ExportPage> {
      const em = db.fork();
      const [exported] = await em.execute<{ merchant_id: string; livemode: boolean; filters: PaymentFilters }[]>(
        `select merchant_id, livemode, filters from payment_exports where id = ?`,
        [input.exportId],
      );
      if (!exported) throw new Error(`payment export ${input.exportId} is not stored`);
      const filter = paymentFilterSql('p', exported.filters);
      // As api/pagination.ts: compared with the cursor row's own created_at, in SQL (microseconds).
      const cursor = input.after
        ? {
            sql: `and (p.created_at, p.id) < (select c.created_at, c.id from payments c where c.id = ?)`,
            params: [input.after],
          }
        : { sql: '', params: [] };
      const rows = await em.execute<PaymentExportRow[]>(
        `select p.id, to_char(p.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as created, p.status,
                p.amount::float8 as amount, p.currency, p.channel, p.provider, p.merchant_order_no, p.provider_trade_no,
                p.customer_id as customer, p.amount_refunded::float8 as amount_refunded
           from payments p
          where p.merchant_id = ? and p.livemode = ? and ${filter.sql} ${cursor.sql}
          order by p.created_at desc, p.id desc limit ?`,
        [exported.merchant_id, exported.livemode, ...filter.params, ...cursor.params, PAYMENT_EXPORT_PAGE_SIZE],
      );
      const csv = (input.number === 0 ? PAYMENT_EXPORT_HEADER : '') + rows.map(paymentCsvLine).join('');
      await em.execute(
        `insert into payment_export_chunks (export_id, number, row_count, csv) values (?, ?, ?, ?)
           on conflict (export_id, number) do update set row_count = excluded.row_count, csv = excluded.csv`,
        [input.exportId, input.number, rows.length, csv],
      );
      await em.execute(
        `update payment_exports set row_count = (select coalesce(sum(row_count), 0) from payment_export_chunks where export_id = ?) where id = ?`,
        [input.exportId, input.exportId],
      );
      return { rows: rows.length, last: rows.at(-1)?.id?.toString() ?? null };
    },

    /** The file is whole: the API may serve it. */
    async completePaymentExport(input: { exportId: string }): Promise<void> {
      await db
        .fork()
        .execute(
          `update payment_exports set status = 'ready', completed_at = coalesce(completed_at, now()) where id = ? and status = 'pending'`,
          [input.exportId],
        );
    },

    /** The export could not be written; the merchant is told why and may start another. */
    async failPaymentExport(input: { exportId: string; reason: string }): Promise<void> {
      await db
        .fork()
        .execute(
          `update payment_exports set status = 'failed', failure_reason = ?, completed_at = coalesce(completed_at, now()) where id = ? and status = 'pending'`,
          [input.reason, input.exportId],
        );
    },
  };
}
