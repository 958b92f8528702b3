import { Migration } from '@mikro-orm/migrations';

/**
 * An Idempotency-Key that creates a payment or a refund holds the object's id from before its
 * workflow starts, so that a retry after a 503 (or a lost answer) reaches the same object.
 */
export class Migration20261203000000_idempotency_objects extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table idempotency_keys add column object_id text;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table idempotency_keys drop column if exists object_id;`);
  }
}
