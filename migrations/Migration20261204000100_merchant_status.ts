import { Migration } from '@mikro-orm/migrations';

/**
 * A merchant the platform suspended (issue 14): its secret keys and console members are refused
 * everything but reads and winding down (refunds, cancelling), and its hosted checkout takes no new
 * payment. Live mode's request and the platform's last decision on it, with the reason given.
 */
export class Migration20261204000100_merchant_status extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table merchants
        add column status text not null default 'active' check (status in ('active', 'suspended')),
        add column suspended_reason text,
        add column suspended_at timestamptz,
        -- When an owner or admin asked for live mode (merchants.live_mode 'requested').
        add column live_mode_requested_at timestamptz,
        -- The platform's reason for its last decision on live mode (a refusal's, shown to the merchant).
        add column live_mode_reason text,
        add constraint merchants_suspension check ((status = 'suspended') = (suspended_at is not null));
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      alter table merchants
        drop constraint if exists merchants_suspension,
        drop column if exists status,
        drop column if exists suspended_reason,
        drop column if exists suspended_at,
        drop column if exists live_mode_requested_at,
        drop column if exists live_mode_reason;
    `);
  }
}
