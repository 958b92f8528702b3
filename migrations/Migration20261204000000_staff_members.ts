import { Migration } from '@mikro-orm/migrations';

/**
 * The platform's own people (issue 14): Kratos `staff` identities (kratos/staff.schema.json, made
 * only through Kratos' admin API), and their role here, where nobody can grant it to themselves.
 */
export class Migration20261204000000_staff_members extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table staff_members (
        id text primary key,
        -- Kratos' identity id (a UUID).
        identity_id text not null unique,
        -- As invited; Kratos holds the address itself.
        email text not null,
        role text not null check (role in ('superadmin', 'operator', 'support', 'viewer')),
        -- A locked member's sessions are refused (and revoked at Kratos) until unlocked.
        locked_at timestamptz,
        locked_reason text,
        invited_by text,
        created_at timestamptz not null default now(),
        -- The first request the member made with a session: an invitation accepted.
        joined_at timestamptz
      );
      -- Merchant users can be locked by the platform too (their sessions refused in every merchant).
      create table locked_identities (
        identity_id text primary key,
        reason text not null,
        locked_by text not null,
        locked_at timestamptz not null default now()
      );
    `);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists staff_members; drop table if exists locked_identities;');
  }
}
