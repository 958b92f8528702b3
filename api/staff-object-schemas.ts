import { z } from 'zod';
import { CHECKOUT_LOCALES } from '../domain/checkout-session';
import { timestamp, type Matches } from './object-schemas';
import { STAFF_PERMISSIONS, STAFF_ROLES } from './staff-roles';
import type { staffObject, staffSessionObject } from './staff.routes';

// The admin console's answers about the platform's staff as zod schemas for the OpenAPI document,
// each checked against the function that shapes it.

const role = z.enum(STAFF_ROLES as ['superadmin', 'operator', 'support', 'viewer']);

export const staffObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('staff_member'),
    email: z.string(),
    role,
    locked: z.boolean(),
    locked_at: timestamp.nullable(),
    locked_reason: z.string().nullable(),
    invited_by: z.string().nullable(),
    created_at: timestamp,
    joined_at: timestamp.nullable().describe('null until the invited person first signs in'),
    you: z.boolean(),
  })
  .meta({ id: 'StaffMember' });

export const staffSessionObjectSchema = z
  .object({
    object: z.literal('staff_session'),
    identity: z.object({ id: z.string(), email: z.string(), name: z.string(), locale: z.enum(CHECKOUT_LOCALES) }),
    staff: staffObjectSchema,
    aal: z.enum(['aal1', 'aal2']),
    second_factor_required: z
      .boolean()
      .describe('true until the session used a second factor: every /v1/admin route refuses it (403 mfa_required)'),
    permissions: z.array(z.enum(STAFF_PERMISSIONS as ['read', 'assist', 'operate', 'credentials', 'staff'])),
  })
  .meta({ id: 'StaffSession' });

export type StaffObjectSchemaChecks = [
  Matches<ReturnType<typeof staffObject>, z.infer<typeof staffObjectSchema>>,
  Matches<ReturnType<typeof staffSessionObject>, z.infer<typeof staffSessionObjectSchema>>,
];
