import { Migration } from '@mikro-orm/migrations';

/** Merchant webhooks: endpoints, one delivery per event and endpoint, and every attempt of it. */
export class Migration20261122020000_webhooks extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      -- json, not jsonb: jsonb reorders keys (shortest first), and webhooks and GET /v1/events show
      -- the object with its keys in the order of API.md, as the rest of the API does.
      alter table events alter column data type json using data::text::json;

      create table webhook_endpoints (
        id text primary key,
        merchant_id text not null references merchants(id),
        livemode boolean not null,
        url text not null,
        description text,
        -- Event types, or {*} for every type.
        enabled_events text[] not null check (cardinality(enabled_events) > 0),
        metadata jsonb not null default '{}',
        -- AES-256-GCM with TONGBAO_ENCRYPTION_KEY (db/secret-box.ts): the worker needs the secret itself to sign, so it cannot be hashed.
        secret_encrypted text not null,
        created_at timestamptz not null default now(),
        deleted_at timestamptz
      );
      create index webhook_endpoints_merchant on webhook_endpoints (merchant_id, livemode, created_at desc, id desc) where deleted_at is null;

      -- One per event and endpoint, written by its delivery workflow (webhook/<evt_id>/<we_id>).
      create table webhook_deliveries (
        event_id text not null references events(id),
        webhook_endpoint_id text not null references webhook_endpoints(id),
        status text not null check (status in ('pending', 'delivered', 'failed')),
        attempt_count integer not null default 0,
        next_attempt_at timestamptz,
        last_attempt_at timestamptz,
        last_status_code integer,
        delivered_at timestamptz,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        primary key (event_id, webhook_endpoint_id)
      );
      create index webhook_deliveries_endpoint on webhook_deliveries (webhook_endpoint_id);

      -- Every POST to a merchant's endpoint; numbered by the workflow, so a retried activity cannot add a row.
      create table webhook_attempts (
        id bigserial primary key,
        event_id text not null,
        webhook_endpoint_id text not null,
        number integer not null check (number > 0),
        at timestamptz not null,
        -- null when no HTTP answer came (refused connection, timeout).
        status_code integer,
        latency_ms integer not null,
        error text,
        foreign key (event_id, webhook_endpoint_id) references webhook_deliveries (event_id, webhook_endpoint_id),
        unique (event_id, webhook_endpoint_id, number)
      );
    `);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists webhook_attempts, webhook_deliveries, webhook_endpoints cascade;');
    this.addSql('alter table events alter column data type jsonb using data::jsonb;');
  }
}
