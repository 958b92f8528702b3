import { Migration } from '@mikro-orm/migrations';

/**
 * Provider accounts made by admins (issue 14): a merchant may hold several accounts of one
 * provider in a mode (two Alipay apps, a new WeChat Pay merchant beside the sandbox's), the
 * channel routes choosing which serves each channel; the same app twice stays refused. When the
 * credentials were last replaced, and the last "test credentials" check's outcome, for the console.
 */
export class Migration20261204000200_provider_account_admin extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table provider_accounts drop constraint if exists provider_accounts_merchant_id_provider_livemode_key;
      alter table provider_accounts
        add constraint provider_accounts_merchant_external_id unique (merchant_id, provider, livemode, external_id),
        add column credentials_updated_at timestamptz,
        -- {ok, provider_answer: {code, message} | null, message, checked_at}: never a secret.
        add column last_check jsonb;
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      alter table provider_accounts
        drop constraint if exists provider_accounts_merchant_external_id,
        drop column if exists credentials_updated_at,
        drop column if exists last_check;
      alter table provider_accounts add constraint provider_accounts_merchant_id_provider_livemode_key unique (merchant_id, provider, livemode);
    `);
  }
}
