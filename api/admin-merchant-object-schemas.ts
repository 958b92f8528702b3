import { z } from 'zod';
import type { liveModeObject } from './account.routes';
import { apiKeyObjectSchema, merchantObjectSchema } from './admin-object-schemas';
import type { merchantDetailsObject, merchantUserObject } from './admin-merchants.routes';
import { timestamp, type Matches } from './object-schemas';
import { MEMBER_ROLES } from './roles';

// The admin console's answers about merchants and the people of their consoles (api/admin-merchants.routes.ts)
// as zod schemas for the OpenAPI document, each checked against the function that shapes it.

const role = z.enum(MEMBER_ROLES as ['owner', 'admin', 'developer', 'analyst', 'support']);
const liveMode = z.enum(['unavailable', 'requested', 'approved']);

export const merchantDetailsObjectSchema = z
  .object({
    ...merchantObjectSchema.shape,
    members: z.array(
      z.object({
        id: z.string(),
        object: z.literal('member'),
        identity_id: z.string().describe("Kratos' identity id: /v1/admin/merchant_users/{identity_id} locks it."),
        email: z.string(),
        role,
        invited_by: z.string().nullable(),
        created_at: timestamp,
        joined_at: timestamp.nullable().describe('null: invited, not joined yet (the invitation can be sent again)'),
        locked: z.boolean().describe('The platform locked the person: refused in every merchant.'),
      }),
    ),
    api_keys: z.array(apiKeyObjectSchema).describe('The newest 100, both modes, revoked ones too; never a secret.'),
    last_30_days: z
      .array(
        z.object({
          livemode: z.boolean(),
          currency: z.string(),
          payments: z.number().int(),
          succeeded: z.number().int(),
          volume: z.number().int().describe('Minor units of the succeeded payments.'),
          refunded: z.number().int(),
        }),
      )
      .describe('Payments created in the last 30 days, per mode and currency.'),
  })
  .meta({ id: 'MerchantDetails' });

export const merchantUserObjectSchema = z
  .object({
    id: z.string().describe("Kratos' identity id."),
    object: z.literal('merchant_user'),
    email: z.string(),
    name: z.string(),
    memberships: z.array(z.object({ merchant: z.string(), member: z.string(), role, joined_at: timestamp.nullable() })),
    locked: z.boolean(),
    locked_reason: z.string().nullable(),
    locked_by: z.string().nullable(),
    locked_at: timestamp.nullable(),
  })
  .meta({ id: 'MerchantUser' });

export const liveModeObjectSchema = z
  .object({
    object: z.literal('live_mode'),
    merchant: z.string(),
    status: liveMode.describe('`requested` until a platform admin approves or refuses it.'),
    requested_at: timestamp.nullable(),
    reason: z.string().nullable().describe("The platform's reason for its last decision (a refusal's)."),
  })
  .meta({ id: 'LiveMode' });

export type AdminMerchantObjectSchemaChecks = [
  Matches<ReturnType<typeof merchantDetailsObject>, z.infer<typeof merchantDetailsObjectSchema>>,
  Matches<ReturnType<typeof merchantUserObject>, z.infer<typeof merchantUserObjectSchema>>,
  Matches<ReturnType<typeof liveModeObject>, z.infer<typeof liveModeObjectSchema>>,
];
