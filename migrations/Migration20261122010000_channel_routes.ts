import { Migration } from '@mikro-orm/migrations';

/** Which provider account serves each of a merchant's channels, per mode. */
export class Migration20261122010000_channel_routes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table channel_routes (
        merchant_id text not null references merchants(id),
        livemode boolean not null,
        channel text not null,
        provider_account_id text not null references provider_accounts(id),
        created_at timestamptz not null default now(),
        primary key (merchant_id, livemode, channel)
      );
      -- Merchants created before routes existed: every channel of each of their accounts' providers.
      insert into channel_routes (merchant_id, livemode, channel, provider_account_id)
      select a.merchant_id, a.livemode, c.channel, a.id
      from provider_accounts a
      join (values ('alipay', 'alipay_pc'), ('alipay', 'alipay_wap'), ('alipay', 'alipay_qr')) as c(provider, channel) on c.provider = a.provider
      on conflict do nothing;
    `);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists channel_routes;');
  }
}
