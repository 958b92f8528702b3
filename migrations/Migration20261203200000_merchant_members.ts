import { Migration } from '@mikro-orm/migrations';

/**
 * Who may use a merchant's console, and what they did there (issue 13). People are Kratos
 * identities (kratos/merchant_user.schema.json); which merchants they belong to and with which role
 * lives here, so one person can belong to several merchants and nobody can grant themselves a role
 * by editing their own traits.
 */
export class Migration20261203200000_merchant_members extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      -- A merchant signed up in the console has test mode only until a platform admin approves live mode.
      alter table merchants
        add column live_mode text not null default 'approved' check (live_mode in ('unavailable', 'requested', 'approved')),
        -- Set by an owner: every member's session must have passed a second factor (Kratos aal2).
        add column require_mfa boolean not null default false;
      -- Merchants created before the console were created by admins, who vouched for them: live stays open.
      alter table merchants alter column live_mode set default 'unavailable';

      create table merchant_members (
        id text primary key,
        merchant_id text not null references merchants(id),
        -- Kratos' identity id (a UUID).
        identity_id text not null,
        -- As invited or signed up; Kratos holds the address itself (a person may change it there).
        email text not null,
        role text not null check (role in ('owner', 'admin', 'developer', 'analyst', 'support')),
        -- support only: the largest refund, in minor units, a member may make; null elsewhere.
        refund_limit bigint check (refund_limit is null or refund_limit >= 0),
        invited_by text,
        created_at timestamptz not null default now(),
        -- The first request the member made with a session: an invitation accepted.
        joined_at timestamptz,
        unique (merchant_id, identity_id)
      );
      create index merchant_members_identity on merchant_members (identity_id);

      -- audit_log (the initial migration's, which the admin's actions already fill) becomes the
      -- log of every console and admin action: who (actor is the member's identity id, the key's id
      -- or 'admin'), from where, on what, and the object before and after.
      alter table audit_log
        add column actor_type text not null default 'admin_token'
          check (actor_type in ('member', 'api_key', 'admin_token', 'staff')),
        add column actor_email text,
        add column merchant_id text,
        add column livemode boolean,
        -- The address the request came from, and the one the console's server says the person used.
        add column ip text,
        add column forwarded_for text,
        add column method text,
        -- The route as declared (/payments/:id/cancel); action names it (payment.cancel).
        add column route text,
        add column object_type text,
        add column status integer,
        add column before jsonb,
        add column after jsonb;
      create index audit_log_merchant on audit_log (merchant_id, at desc, id desc) where merchant_id is not null;
      create index audit_log_actor on audit_log (actor, at desc);
      create index audit_log_object on audit_log (object_id) where object_id is not null;
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop index if exists audit_log_merchant, audit_log_actor, audit_log_object;
      alter table audit_log drop column actor_type, drop column actor_email, drop column merchant_id,
        drop column livemode, drop column ip, drop column forwarded_for, drop column method, drop column route,
        drop column object_type, drop column status, drop column before, drop column after;
      drop table if exists merchant_members;
      alter table merchants drop column if exists live_mode, drop column if exists require_mfa;
    `);
  }
}
