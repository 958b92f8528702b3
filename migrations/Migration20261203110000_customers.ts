import { Migration } from '@mikro-orm/migrations';

/**
 * A merchant's customers (API.md "Customers"). Payments and checkout sessions already carried a
 * `customer_id`, unchecked: the API now checks it against this table (one lookup by primary key).
 * No foreign key from them: rows written before this table name customers that never existed, and
 * an erased customer keeps its row anyway.
 */
export class Migration20261203110000_customers extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table customers (
        id text primary key,
        merchant_id text not null references merchants(id),
        livemode boolean not null,
        -- Lower case (domain/customer.ts normalizeEmail).
        email text,
        -- E.164, '+8613800138000' (domain/customer.ts normalizePhone).
        phone text,
        name text,
        locale text check (locale in ('zh-CN', 'en-US')),
        shipping_address jsonb,
        preferred_channel text,
        metadata jsonb not null default '{}',
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        -- DELETE blanks every personal field above and sets this; payments keep naming the row.
        erased_at timestamptz,
        check (erased_at is null or (email is null and phone is null and name is null and shipping_address is null))
      );
      -- GET /v1/customers, newest first (api/pagination.ts); erased customers are not listed.
      create index customers_merchant on customers (merchant_id, livemode, created_at desc, id desc) where erased_at is null;
      -- ?email= and ?phone=, and the hosted checkout's returning shopper, found by phone or e-mail.
      create index customers_email on customers (merchant_id, livemode, email, created_at desc) where email is not null;
      create index customers_phone on customers (merchant_id, livemode, phone, created_at desc) where phone is not null;
    `);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists customers;');
  }
}
