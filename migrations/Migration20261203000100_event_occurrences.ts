import { Migration } from '@mikro-orm/migrations';

/**
 * An object may reach a state a second time and be announced again: a refund an admin canceled
 * that the provider refunded after all requires attention once more. Events stay one per state
 * reached, now counted by `occurrence` (1 for every event so far).
 */
export class Migration20261203000100_event_occurrences extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table events add column occurrence integer not null default 1;
      alter table events drop constraint events_object_id_type_key;
      alter table events add constraint events_object_type_occurrence unique (object_id, type, occurrence);
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      delete from events where occurrence > 1;
      alter table events drop constraint events_object_type_occurrence;
      alter table events add constraint events_object_id_type_key unique (object_id, type);
      alter table events drop column occurrence;
    `);
  }
}
