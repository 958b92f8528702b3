import { Migration } from '@mikro-orm/migrations';

/**
 * The admin console's operations reads (issue 14): what the provider last answered a refund's
 * request (the stuck refunds queue), a discrepancy's resolution, and the indexes the overview's
 * counters and the cross-merchant lists read by (api/admin-overview.service.ts says what each costs).
 */
export class Migration20261204000300_admin_operations extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      -- Written by the refund request activity at each attempt (activities/refund.activities.ts):
      -- the provider's code and message (or what failed on the way), and how many requests were sent.
      alter table refunds
        add column provider_requests integer not null default 0,
        add column provider_answer_code text,
        add column provider_answer_message text,
        add column provider_answered_at timestamptz;

      -- Marked by an admin with a note; a re-run of the day carries the mark to the same finding.
      alter table reconciliation_discrepancies
        add column resolved_at timestamptz,
        add column resolved_by text,
        add column resolution_note text;
      create index reconciliation_discrepancies_open on reconciliation_discrepancies (id desc) where resolved_at is null;

      -- The overview's "webhook endpoints failing for a day": the last 24 hours of attempts.
      create index webhook_attempts_at on webhook_attempts (at);
      -- Notifications of one merchant's accounts, newest first.
      create index provider_notifications_account on provider_notifications (provider_account_id, received_at desc);
      -- The overview's "messages failed" counter reads only the failed ones.
      create index messages_failed on messages (created_at desc) where status = 'failed';
      -- Customers across merchants, found by e-mail address, phone or id.
      create index customers_email_any on customers (email) where email is not null;
      create index customers_phone_any on customers (phone) where phone is not null;
      create index customers_created on customers (created_at desc, id desc);
      -- A name's beginning, any case (lower(name) like 'wang%'): with the three above, one BitmapOr.
      create index customers_name_prefix on customers (lower(name) text_pattern_ops) where name is not null;
      -- The audit log by a person's e-mail address, across merchants.
      create index audit_log_actor_email on audit_log (actor_email, id desc) where actor_email is not null;
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop index if exists audit_log_actor_email, customers_name_prefix, customers_created, customers_phone_any, customers_email_any,
        messages_failed, provider_notifications_account, webhook_attempts_at, reconciliation_discrepancies_open;
      alter table reconciliation_discrepancies drop column if exists resolved_at, drop column if exists resolved_by,
        drop column if exists resolution_note;
      alter table refunds drop column if exists provider_requests, drop column if exists provider_answer_code,
        drop column if exists provider_answer_message, drop column if exists provider_answered_at;
    `);
  }
}
