import { Migration } from '@mikro-orm/migrations';

/** Issue 5: tax rates, coupons and checkout sessions; a payment made on the hosted checkout names its session. */
export class Migration20261122040000_checkout extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table tax_rates (
        id text primary key,
        merchant_id text not null references merchants(id),
        livemode boolean not null,
        display_name text not null,
        -- Exact: at most 4 decimal places, as domain/checkout-totals.ts computes with them.
        percentage numeric(7, 4) not null check (percentage >= 0 and percentage <= 100),
        inclusive boolean not null,
        created_at timestamptz not null default now()
      );
      create index tax_rates_merchant on tax_rates (merchant_id, livemode, created_at desc, id desc);

      -- A coupon is known to shoppers by its code, unique per merchant and mode.
      create table coupons (
        merchant_id text not null references merchants(id),
        livemode boolean not null,
        code text not null,
        percent_off numeric(5, 2) check (percent_off > 0 and percent_off <= 100),
        amount_off bigint check (amount_off > 0),
        currency text,
        max_redemptions integer check (max_redemptions > 0),
        times_redeemed integer not null default 0,
        expires_at timestamptz,
        created_at timestamptz not null default now(),
        primary key (merchant_id, livemode, code),
        check ((percent_off is null) <> (amount_off is null))
      );

      create table checkout_sessions (
        id text primary key,
        merchant_id text not null references merchants(id),
        livemode boolean not null,
        status text not null,
        currency text not null,
        locale text not null,
        -- The lines with their computed amounts and tax rates, as the session shows them.
        line_items jsonb not null,
        coupon_code text,
        -- The coupon as it was when the session was made, with the amount it took off.
        discounts jsonb not null default '[]',
        allowed_channels text[] not null,
        customer_id text,
        save_customer text not null,
        success_url text not null,
        cancel_url text not null,
        amount_subtotal bigint not null,
        amount_discount bigint not null,
        amount_tax bigint not null,
        amount_total bigint not null,
        payment_id text,
        expires_at timestamptz not null,
        created_at timestamptz not null default now(),
        completed_at timestamptz,
        expired_at timestamptz
      );
      create index checkout_sessions_merchant on checkout_sessions (merchant_id, livemode, created_at desc, id desc);

      -- The hosted page the shopper pays on, fixed when the payment is made there.
      alter table payments add column checkout_session_id text references checkout_sessions(id), add column checkout_url text;
      create index payments_checkout_session on payments (checkout_session_id) where checkout_session_id is not null;
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      alter table payments drop column if exists checkout_session_id, drop column if exists checkout_url;
      drop table if exists checkout_sessions, coupons, tax_rates cascade;
    `);
  }
}
