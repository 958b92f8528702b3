import { z } from 'zod';
import { CHECKOUT_LOCALES } from '../domain/checkout-session';
import type { membershipObject } from './console.routes';
import { timestamp, type Matches } from './object-schemas';
import { MEMBER_ROLES } from './roles';
import type { auditEntryObject, memberObject } from './team.routes';

// The consoles' answers about people (the signed-in person, the team, the audit log) as zod schemas for the
// OpenAPI document, each checked against the function that shapes it.

const role = z.enum(MEMBER_ROLES as ['owner', 'admin', 'developer', 'analyst', 'support']);

export const membershipObjectSchema = z
  .object({
    merchant: z.object({
      id: z.string(),
      name: z.string(),
      live_mode: z
        .enum(['unavailable', 'requested', 'approved'])
        .describe('live payments are open once a platform admin approves'),
      status: z
        .enum(['active', 'suspended'])
        .describe('suspended by the platform: the console reads, refunds and cancels, nothing else'),
      require_mfa: z.boolean(),
    }),
    member: z.string(),
    role,
    refund_limit: z.number().nullable().describe('support only: the largest refund, in fen'),
  })
  .meta({ id: 'Membership' });

export const consoleSessionObjectSchema = z
  .object({
    object: z.literal('console_session'),
    identity: z.object({
      id: z.string(),
      email: z.string(),
      name: z.string(),
      locale: z.enum(CHECKOUT_LOCALES),
      aal: z.enum(['aal1', 'aal2']).describe('aal2 once a second factor was used'),
      email_verified: z.boolean(),
    }),
    memberships: z.array(membershipObjectSchema),
  })
  .meta({ id: 'ConsoleSession' });

export const memberObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('member'),
    email: z.string(),
    role,
    refund_limit: z.number().nullable(),
    invited_by: z.string().nullable(),
    created_at: timestamp,
    joined_at: timestamp.nullable().describe('null until the invited person first signs in'),
    you: z.boolean(),
    deleted: z.literal(true).optional(),
  })
  .meta({ id: 'Member' });

export const auditEntryObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('audit_entry'),
    created_at: timestamp,
    actor: z.object({
      type: z.enum(['member', 'api_key', 'admin_token', 'staff']),
      id: z.string(),
      email: z.string().nullable(),
    }),
    livemode: z.boolean().nullable(),
    ip: z.string().nullable(),
    forwarded_for: z.string().nullable().describe("the person's address as the console's server reported it"),
    request_id: z.string().nullable(),
    method: z.string().nullable(),
    route: z.string().nullable(),
    action: z.string(),
    object_type: z.string().nullable(),
    object_id: z.string().nullable(),
    status: z.number().nullable(),
    before: z.unknown().nullable(),
    after: z.unknown().nullable(),
  })
  .meta({ id: 'AuditEntry' });

export type TeamObjectSchemaChecks = [
  Matches<ReturnType<typeof membershipObject>, z.infer<typeof membershipObjectSchema>>,
  Matches<ReturnType<typeof memberObject>, z.infer<typeof memberObjectSchema>>,
  Matches<ReturnType<typeof auditEntryObject>, z.infer<typeof auditEntryObjectSchema>>,
];
