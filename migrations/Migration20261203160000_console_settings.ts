import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 13's settings pages: the hosted checkout's branding on the merchant; API keys that are
 * named, expire (a rolled key works until then) and tell when they were last used; webhook
 * endpoints that can be disabled and roll their secret (the old one signs along until it expires);
 * coupons and tax rates that can be archived; the lists the console reads.
 */
export class Migration20261203160000_console_settings extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table merchants
        add column display_name text,
        -- The image itself (PNG, JPEG or WebP, checked by its first bytes), at most 256 KiB.
        add column logo bytea,
        add column logo_type text check (logo_type in ('image/png', 'image/jpeg', 'image/webp')),
        add column brand_color text check (brand_color ~ '^#[0-9a-f]{6}$'),
        add column default_locale text check (default_locale in ('zh-CN', 'en-US')),
        add constraint merchants_logo_typed check ((logo is null) = (logo_type is null));

      alter table api_keys
        add column name text,
        add column expires_at timestamptz,
        add column last_used_at timestamptz;
      create index api_keys_listed on api_keys (merchant_id, livemode, created_at desc, id desc);

      alter table webhook_endpoints
        add column disabled boolean not null default false,
        -- After a roll: the secret it replaced, which signs deliveries too until it expires.
        add column previous_secret_encrypted text,
        add column previous_secret_expires_at timestamptz;
      create index webhook_deliveries_listed on webhook_deliveries (webhook_endpoint_id, created_at desc, event_id desc);

      alter table coupons add column active boolean not null default true;
      alter table tax_rates add column active boolean not null default true;
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      alter table tax_rates drop column if exists active;
      alter table coupons drop column if exists active;
      drop index if exists webhook_deliveries_listed;
      alter table webhook_endpoints drop column if exists disabled, drop column if exists previous_secret_encrypted,
        drop column if exists previous_secret_expires_at;
      drop index if exists api_keys_listed;
      alter table api_keys drop column if exists name, drop column if exists expires_at, drop column if exists last_used_at;
      alter table merchants drop constraint if exists merchants_logo_typed, drop column if exists display_name,
        drop column if exists logo, drop column if exists logo_type, drop column if exists brand_color,
        drop column if exists default_locale;
    `);
  }
}
