import { Migration } from '@mikro-orm/migrations';

/**
 * Open payments are checked at their providers by one sweep (domain/payment-checks.ts), not by a
 * timer chain in each payment's workflow: each row says when its next check is due, and how many
 * checks in a row failed (listed in `stuck_activities` past a few).
 */
export class Migration20261203100000_payment_checks extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table payments
        add column next_check_at timestamptz,
        add column failed_checks integer not null default 0;
      -- The sweep's claim reads only open payments: a few thousand rows at most, however many closed.
      create index payments_open on payments (next_check_at, created_at) where status in ('requires_action', 'processing');
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop index payments_open;
      alter table payments drop column next_check_at, drop column failed_checks;
    `);
  }
}
