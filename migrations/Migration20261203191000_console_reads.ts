import { Migration } from '@mikro-orm/migrations';

/**
 * The merchant console's lists and search (GET /v1/payments, /v1/refunds with filters). Each list is
 * a merchant's, in one mode, newest first: payments_merchant_created already serves the date range
 * and filters that keep most rows (channel, provider, amount). These cover what would otherwise read
 * a merchant's whole history to find a few rows: a status (the few failed ones among many
 * succeeded), a customer's payments, the search's provider_trade_no (the other searched fields
 * have indexes: id, out_trade_no, merchant_order_no), a refund status (requires_attention).
 */
export class Migration20261203191000_console_reads extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create index payments_merchant_status_created on payments (merchant_id, livemode, status, created_at desc, id desc);
      create index payments_merchant_customer_created on payments (merchant_id, livemode, customer_id, created_at desc, id desc) where customer_id is not null;
      create index payments_provider_trade_no on payments (provider_trade_no) where provider_trade_no is not null;
      create index refunds_merchant_status_created on refunds (merchant_id, livemode, status, created_at desc, id desc);
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop index if exists payments_merchant_status_created, payments_merchant_customer_created, payments_provider_trade_no,
        refunds_merchant_status_created;
    `);
  }
}
