import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 4: refunds get their origin and history; notifications name refunds; reconciliation
 * keeps its runs and the discrepancies it found.
 */
export class Migration20261122030000_refunds_reconciliation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table refunds
        add column origin text not null default 'merchant',
        add column attention_at timestamptz,
        add column failed_at timestamptz;
      create index refunds_status_created on refunds (status, created_at desc, id desc);
      create index refunds_merchant_created on refunds (merchant_id, livemode, created_at desc, id desc);

      -- Every status change of a refund. A refund may go requires_attention → pending again after an
      -- admin retry, so rows are keyed by the attempt too; a retried activity cannot write twice.
      create table refund_transitions (
        id bigserial primary key,
        refund_id text not null references refunds(id),
        attempt integer not null,
        from_status text,
        to_status text not null,
        source text not null,
        at timestamptz not null default now(),
        unique (refund_id, attempt, to_status)
      );

      alter table provider_notifications add column out_refund_no text;
      create index provider_notifications_outcome on provider_notifications (outcome, received_at desc);

      create table reconciliation_runs (
        id text primary key,
        provider_account_id text not null references provider_accounts(id),
        -- The provider's business day (China time) the statement covers.
        statement_date date not null,
        status text not null,
        statement_entries integer,
        matched integer,
        discrepancies integer,
        error text,
        started_at timestamptz not null default now(),
        finished_at timestamptz
      );
      create index reconciliation_runs_account on reconciliation_runs (provider_account_id, statement_date desc);

      -- What the latest run of a day found; a new run of the same day replaces them.
      create table reconciliation_discrepancies (
        id bigserial primary key,
        run_id text not null references reconciliation_runs(id),
        provider_account_id text not null references provider_accounts(id),
        merchant_id text not null references merchants(id),
        statement_date date not null,
        -- missing_here (the provider has it, we do not), missing_there (we have it, the provider
        -- does not), amount_differs.
        kind text not null,
        object_type text not null,
        out_trade_no text not null,
        out_refund_no text,
        payment_id text,
        refund_id text,
        our_amount bigint,
        provider_amount bigint,
        -- What a person should know, e.g. that the payment is expired here.
        note text,
        created_at timestamptz not null default now()
      );
      create index reconciliation_discrepancies_day on reconciliation_discrepancies (provider_account_id, statement_date);
      create index reconciliation_discrepancies_created on reconciliation_discrepancies (created_at desc, id desc);
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop table if exists reconciliation_discrepancies, reconciliation_runs, refund_transitions cascade;
      alter table provider_notifications drop column if exists out_refund_no;
      alter table refunds drop column if exists origin, drop column if exists attention_at, drop column if exists failed_at;
    `);
  }
}
