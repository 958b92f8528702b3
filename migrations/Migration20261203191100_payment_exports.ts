import { Migration } from '@mikro-orm/migrations';

/**
 * CSV exports of a merchant's payments (POST /v1/payment_exports): one row per export, written by
 * its workflow (payment-export/<pexp_id>), and the file in chunks of one page of payments each, so
 * that no activity holds a whole file and a retried page replaces its own chunk only.
 */
export class Migration20261203191100_payment_exports extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table payment_exports (
        id text primary key,
        merchant_id text not null references merchants(id),
        livemode boolean not null,
        status text not null check (status in ('pending', 'ready', 'failed')),
        -- The filters as the API took them (domain/payment-filters.ts), so the export says what it holds.
        filters jsonb not null,
        row_count integer not null default 0,
        failure_reason text,
        created_at timestamptz not null,
        completed_at timestamptz
      );
      create index payment_exports_merchant_created on payment_exports (merchant_id, livemode, created_at desc, id desc);

      create table payment_export_chunks (
        export_id text not null references payment_exports(id) on delete cascade,
        number integer not null check (number >= 0),
        row_count integer not null,
        csv text not null,
        primary key (export_id, number)
      );
    `);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists payment_export_chunks, payment_exports cascade;');
  }
}
