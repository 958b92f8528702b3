import { Migration } from '@mikro-orm/migrations';

/**
 * Platform administration's POSTs honour Idempotency-Key too (API.md: every POST), in a key space
 * of their own: `merchant_id` is the key's owner, a merchant's id or `admin`, so it no longer
 * references merchants.
 */
export class Migration20261203070000_admin_idempotency_keys extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table idempotency_keys drop constraint if exists idempotency_keys_merchant_id_fkey;`);
    this.addSql(`comment on column idempotency_keys.merchant_id is 'the key''s owner: a merchant''s id, or admin';`);
  }

  override async down(): Promise<void> {
    this.addSql(`delete from idempotency_keys where merchant_id not in (select id from merchants);`);
    this.addSql(
      `alter table idempotency_keys add constraint idempotency_keys_merchant_id_fkey foreign key (merchant_id) references merchants(id);`,
    );
  }
}
