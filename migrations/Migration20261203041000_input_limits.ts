import { Migration } from '@mikro-orm/migrations';

/**
 * "Nothing gets stuck, nobody gets in": a refused notification keeps the SHA-256 and size of its
 * body and only its first 2 KB; activities that keep failing are listed in `stuck_activities`.
 */
export class Migration20261203041000_input_limits extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table provider_notifications
        add column body_sha256 text,
        add column body_bytes integer;
      create index provider_notifications_received on provider_notifications (received_at);

      -- One row per activity of a workflow that has failed at least a few times in a row: written by
      -- the worker's interceptor (temporal/stuck-activities.ts), removed when the activity completes.
      create table stuck_activities (
        workflow_id text not null,
        activity_id text not null,
        activity_type text not null,
        attempt integer not null,
        last_failure text,
        first_failed_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        primary key (workflow_id, activity_id)
      );
      create index stuck_activities_updated on stuck_activities (updated_at desc);
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop table if exists stuck_activities;
      drop index if exists provider_notifications_received;
      alter table provider_notifications drop column if exists body_sha256, drop column if exists body_bytes;
    `);
  }
}
