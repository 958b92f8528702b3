import { BigIntType, EntitySchema } from '@mikro-orm/core';
import { optionalText, optionalTimestamp, text, timestamp } from './columns';

// Who uses the consoles and what they did there (merchant_members, audit_log), apart from the
// payment rows of db/entities.ts, which re-exports them.

export type MemberRole = 'owner' | 'admin' | 'developer' | 'analyst' | 'support';

/** A person (Kratos identity) in a merchant's team; api/members.service.ts. */
export interface MerchantMember {
  id: string;
  merchantId: string;
  identityId: string;
  email: string;
  role: MemberRole;
  /** support: the largest refund (minor units) this member may make. */
  refundLimit: number | null;
  invitedBy: string | null;
  createdAt: Date;
  joinedAt: Date | null;
}

export type StaffRole = 'superadmin' | 'operator' | 'support' | 'viewer';

/** A platform staff member (Kratos `staff` identity) and their role; api/staff.service.ts. */
export interface StaffMember {
  id: string;
  identityId: string;
  email: string;
  role: StaffRole;
  lockedAt: Date | null;
  lockedReason: string | null;
  invitedBy: string | null;
  createdAt: Date;
  joinedAt: Date | null;
}

export type AuditActorType = 'member' | 'api_key' | 'admin_token' | 'staff';

/** One console or admin action (audit_log); api/audit.ts. Rows from before the console have only actor, action, object and details. */
export interface AuditLogRow {
  id: string;
  at: Date;
  actorType: AuditActorType;
  /** The member's identity id, the API key's id, or 'admin'. */
  actor: string;
  actorEmail: string | null;
  merchantId: string | null;
  livemode: boolean | null;
  ip: string | null;
  forwardedFor: string | null;
  requestId: string | null;
  method: string | null;
  route: string | null;
  action: string;
  objectType: string | null;
  objectId: string | null;
  status: number | null;
  details: unknown;
  before: unknown;
  after: unknown;
}

export const MerchantMemberSchema = new EntitySchema<MerchantMember>({
  name: 'MerchantMember',
  tableName: 'merchant_members',
  properties: {
    id: { ...text, primary: true },
    merchantId: text,
    identityId: text,
    email: text,
    role: { type: 'text' },
    refundLimit: { type: new BigIntType('number'), nullable: true },
    invitedBy: optionalText,
    createdAt: { ...timestamp, onCreate: () => new Date() },
    joinedAt: optionalTimestamp,
  },
});

export const StaffMemberSchema = new EntitySchema<StaffMember>({
  name: 'StaffMember',
  tableName: 'staff_members',
  properties: {
    id: { ...text, primary: true },
    identityId: text,
    email: text,
    role: { type: 'text' },
    lockedAt: optionalTimestamp,
    lockedReason: optionalText,
    invitedBy: optionalText,
    createdAt: { ...timestamp, onCreate: () => new Date() },
    joinedAt: optionalTimestamp,
  },
});

export const AuditLogSchema = new EntitySchema<AuditLogRow>({
  name: 'AuditLog',
  tableName: 'audit_log',
  properties: {
    id: { type: new BigIntType('string'), primary: true, autoincrement: true },
    at: { ...timestamp, onCreate: () => new Date() },
    actorType: { type: 'text' },
    actor: text,
    actorEmail: optionalText,
    merchantId: optionalText,
    livemode: { type: 'boolean', nullable: true },
    ip: optionalText,
    forwardedFor: optionalText,
    requestId: optionalText,
    method: optionalText,
    route: optionalText,
    action: text,
    objectType: optionalText,
    objectId: optionalText,
    status: { type: 'integer', nullable: true },
    details: { type: 'json', default: '{}' },
    before: { type: 'json', nullable: true },
    after: { type: 'json', nullable: true },
  },
});

export const TEAM_SCHEMAS = [MerchantMemberSchema, StaffMemberSchema, AuditLogSchema];
