import { Migration } from '@mikro-orm/migrations';

/** The system of record for issue 2: merchants, keys, provider accounts, payments, refunds, events, idempotency, audit. */
export class Migration20261122000000_initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table merchants (
        id text primary key,
        name text not null,
        email text,
        created_at timestamptz not null default now()
      );

      create table api_keys (
        id text primary key,
        merchant_id text not null references merchants(id),
        livemode boolean not null,
        -- SHA-256 of the whole key: keys carry 131 random bits, so a fast hash is enough.
        key_hash text not null unique,
        -- "sk_test_…a1b2": enough for a human to recognise the key, useless to an attacker.
        redacted text not null,
        created_at timestamptz not null default now(),
        revoked_at timestamptz
      );
      create index api_keys_merchant on api_keys (merchant_id);

      create table provider_accounts (
        id text primary key,
        merchant_id text not null references merchants(id),
        provider text not null,
        livemode boolean not null,
        external_id text not null,
        -- AES-256-GCM with TONGBAO_ENCRYPTION_KEY; see db/secret-box.ts.
        credentials_encrypted text not null,
        created_at timestamptz not null default now(),
        unique (merchant_id, provider, livemode)
      );

      create table payments (
        id text primary key,
        merchant_id text not null references merchants(id),
        livemode boolean not null,
        provider_account_id text not null references provider_accounts(id),
        provider text not null,
        channel text not null,
        status text not null,
        amount bigint not null check (amount > 0),
        amount_refunded bigint not null default 0 check (amount_refunded >= 0 and amount_refunded <= amount),
        currency text not null,
        description text not null,
        merchant_order_no text,
        customer_id text,
        return_url text,
        openid text,
        client_ip text,
        metadata jsonb not null default '{}',
        next_action jsonb,
        out_trade_no text not null unique,
        provider_trade_no text,
        failure_code text,
        failure_message text,
        expires_at timestamptz not null,
        created_at timestamptz not null,
        updated_at timestamptz not null default now(),
        succeeded_at timestamptz,
        canceled_at timestamptz,
        expired_at timestamptz
      );
      create unique index payments_merchant_order_no on payments (merchant_id, livemode, merchant_order_no) where merchant_order_no is not null;
      create index payments_merchant_created on payments (merchant_id, livemode, created_at desc, id desc);
      create index payments_created on payments (created_at desc, id desc);

      -- Every status change of a payment, written by its workflow; unique so a retried activity cannot write twice.
      create table payment_transitions (
        id bigserial primary key,
        payment_id text not null references payments(id),
        from_status text,
        to_status text not null,
        source text not null,
        at timestamptz not null default now(),
        unique (payment_id, to_status)
      );

      create table refunds (
        id text primary key,
        merchant_id text not null references merchants(id),
        livemode boolean not null,
        payment_id text not null references payments(id),
        amount bigint not null check (amount > 0),
        currency text not null,
        status text not null,
        reason text,
        metadata jsonb not null default '{}',
        out_refund_no text not null unique,
        provider_refund_no text,
        failure_reason text,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        succeeded_at timestamptz
      );
      create index refunds_payment on refunds (payment_id);

      create table events (
        id text primary key,
        merchant_id text not null references merchants(id),
        livemode boolean not null,
        type text not null,
        object_id text not null,
        data jsonb not null,
        created_at timestamptz not null default now(),
        -- One event per state an object reaches: activity retries and duplicate notifications cannot add more.
        unique (object_id, type)
      );
      create index events_merchant_created on events (merchant_id, livemode, created_at desc, id desc);

      create table idempotency_keys (
        merchant_id text not null references merchants(id),
        livemode boolean not null,
        key text not null,
        request_method text not null,
        request_path text not null,
        request_hash text not null,
        -- null while the first request is still running.
        response_status integer,
        response_body text,
        locked_until timestamptz not null,
        created_at timestamptz not null default now(),
        primary key (merchant_id, livemode, key)
      );
      create index idempotency_keys_created on idempotency_keys (created_at);

      -- Every notification a provider sent us, kept whether it was accepted or refused.
      create table provider_notifications (
        id bigserial primary key,
        provider text not null,
        provider_account_id text not null,
        out_trade_no text,
        payment_id text,
        outcome text not null,
        reason text,
        body text not null,
        received_at timestamptz not null default now()
      );
      create index provider_notifications_trade on provider_notifications (out_trade_no);

      create table audit_log (
        id bigserial primary key,
        actor text not null,
        action text not null,
        object_id text,
        details jsonb not null default '{}',
        request_id text,
        at timestamptz not null default now()
      );
    `);
  }

  override async down(): Promise<void> {
    this.addSql(
      `drop table if exists audit_log, provider_notifications, idempotency_keys, events, refunds, payment_transitions, payments, provider_accounts, api_keys, merchants cascade;`,
    );
  }
}
