import { z } from 'zod';
import { CHECKOUT_LOCALES } from '../domain/checkout-session';
import { MESSAGE_CHANNELS, MESSAGE_STATUSES, TEMPLATE_VARIABLE_TYPES } from '../domain/message';
import { PROVIDERS } from '../domain/payment';
import type { createdMerchantObject, merchantObject, sandboxAccountsObject } from './admin.routes';
import type { apiKeyObject, createdApiKeyObject } from './api-keys.routes';
import type { courierAnswer } from './kratos-courier.routes';
import type { messageAccountObject } from './message-accounts.routes';
import type { toMessageObject } from './messages.routes';
import { timestamp, type Matches } from './object-schemas';
import type { stuckObject } from './operations.routes';
import type { discrepancyObject, runObject, summaryObject } from './reconciliation.routes';
import type { toTemplateObject, toTemplatePreviewObject } from './templates.routes';

// The answers of the platform's own routes (/v1/admin/*, and Kratos' courier) as zod schemas, for
// the OpenAPI document only; the merchant API's objects are in object-schemas.ts, with the same
// check that each schema describes what its shaping function returns.

// Platform administration

export const merchantObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('merchant'),
    name: z.string(),
    email: z.string().nullable(),
    created_at: timestamp,
  })
  .meta({ id: 'Merchant' });

export const createdMerchantObjectSchema = z
  .object({ merchant: merchantObjectSchema, test_secret_key: z.string() })
  .meta({ id: 'CreatedMerchant', description: 'The test-mode secret key is shown this once.' });

const apiKeyFields = {
  id: z.string(),
  object: z.literal('api_key'),
  merchant: z.string(),
  livemode: z.boolean(),
  name: z.string().nullable(),
  redacted: z.string(),
  created_at: timestamp,
  last_used_at: timestamp.nullable().describe('When a request last used it, to within a minute.'),
  expires_at: timestamp.nullable().describe('A rolled key works until then; null: until revoked.'),
  revoked_at: timestamp.nullable(),
};

export const apiKeyObjectSchema = z.object(apiKeyFields).meta({ id: 'ApiKey' });

export const createdApiKeyObjectSchema = z
  .object({ ...apiKeyFields, secret: z.string() })
  .meta({ id: 'CreatedApiKey', description: 'The secret is shown this once.' });

export const sandboxAccountsObjectSchema = z
  .object({
    merchant: z.string(),
    opened: z.array(z.enum(PROVIDERS)).describe('Sandbox providers opened now; empty when all were open already.'),
  })
  .meta({ id: 'SandboxAccounts' });

// Messaging

const templateVariableSchema = z.object({
  name: z.string(),
  type: z.enum(TEMPLATE_VARIABLE_TYPES),
  sample: z.string(),
  secret: z.boolean().optional(),
});

export const templateObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('template'),
    code: z.string(),
    channel: z.enum(MESSAGE_CHANNELS),
    locale: z.enum(CHECKOUT_LOCALES),
    builtin: z.boolean(),
    status: z.enum(['draft', 'published']).describe('published when the draft equals the published version'),
    subject: z.string().nullable(),
    body: z.string(),
    variables: z.array(templateVariableSchema),
    aliyun_template_code: z.string().nullable(),
    version: z.number().int(),
    published: z
      .object({
        subject: z.string().nullable(),
        body: z.string(),
        variables: z.array(templateVariableSchema).nullable(),
        aliyun_template_code: z.string().nullable(),
        published_at: timestamp.nullable(),
      })
      .nullable()
      .describe('What every send uses; null until the first publish.'),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Template' });

export const templatePreviewObjectSchema = z
  .object({
    object: z.literal('template_preview'),
    template: z.string(),
    version: z.enum(['draft', 'published']),
    subject: z.string().nullable(),
    text: z.string(),
    html: z.string().nullable(),
    missing: z.array(z.string()).describe('Declared variables given no value: their samples are shown.'),
    problems: z
      .array(z.object({ param: z.enum(['subject', 'body', 'variables', 'aliyun_template_code']), message: z.string() }))
      .describe('Why publish would refuse this content; empty when it would not.'),
  })
  .meta({ id: 'TemplatePreview' });

export const messageObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('message'),
    merchant: z.string().nullable(),
    livemode: z.boolean(),
    template: z.string(),
    template_version: z.number().int().nullable(),
    channel: z.enum(MESSAGE_CHANNELS),
    to: z.string().nullable().describe('null once the customer it was sent to was erased'),
    locale: z.enum(CHECKOUT_LOCALES),
    object_id: z.string(),
    customer: z.string().nullable(),
    subject: z.string().nullable(),
    body: z.string().nullable().describe('Rendered with its codes masked; null until prepared.'),
    status: z.enum(MESSAGE_STATUSES),
    failure_code: z.string().nullable(),
    failure_message: z.string().nullable(),
    attempt_count: z.number().int(),
    created_at: timestamp,
    sent_at: timestamp.nullable(),
    delivered_at: timestamp.nullable(),
    attempts: z
      .array(
        z.object({
          number: z.number().int(),
          at: timestamp.nullable(),
          outcome: z.enum(['sent', 'retryable', 'throttled', 'final']),
          code: z.string(),
          message: z.string().nullable(),
          request_id: z.string().nullable(),
          latency_ms: z.number().int(),
        }),
      )
      .optional()
      .describe('On the single GET and a test send only.'),
  })
  .meta({ id: 'Message' });

export const messageAccountObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('message_account'),
    provider: z.literal('aliyun'),
    merchant: z.string().nullable().describe("null: the platform's account"),
    livemode: z.boolean(),
    access_key_id: z.string(),
    sign_name: z.string(),
    sender_address: z.string(),
    from_alias: z.string().nullable(),
    created_at: timestamp,
  })
  .meta({ id: 'MessageAccount' });

export const reconciliationRunObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('reconciliation_run'),
    provider_account: z.string(),
    date: z.iso.date(),
    status: z.string().describe('running | completed | failed'),
    statement_entries: z.number().int().nullable(),
    matched: z.number().int().nullable(),
    discrepancies: z.number().int().nullable(),
    error: z.string().nullable(),
    started_at: timestamp,
    finished_at: timestamp.nullable(),
  })
  .meta({ id: 'ReconciliationRun' });

/** What a run started now answers when it finished within the request (202 `running` otherwise). */
export const reconciliationSummaryObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('reconciliation_run'),
    provider_account: z.string(),
    date: z.iso.date(),
    status: z.enum(['completed', 'failed']),
    statement_entries: z.number().int(),
    matched: z.number().int(),
    discrepancies: z.number().int(),
    error: z.string().nullable(),
  })
  .meta({ id: 'ReconciliationSummary' });

export const reconciliationDiscrepancyObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('reconciliation_discrepancy'),
    run: z.string(),
    provider_account: z.string(),
    merchant: z.string(),
    date: z.iso.date(),
    kind: z.string().describe('missing_here | missing_there | amount_differs'),
    object_type: z.string().describe('payment | refund'),
    out_trade_no: z.string(),
    out_refund_no: z.string().nullable(),
    payment: z.string().nullable(),
    refund: z.string().nullable(),
    our_amount: z.number().int().nullable(),
    provider_amount: z.number().int().nullable(),
    note: z.string().nullable(),
    status: z.enum(['open', 'resolved']),
    resolved_at: timestamp.nullable(),
    resolved_by: z.string().nullable().describe("The resolving staff member's e-mail address, or `admin_token:admin`."),
    resolution_note: z
      .string()
      .nullable()
      .describe("The admin's note; a re-run of the day keeps it with the same finding."),
    created_at: timestamp,
  })
  .meta({ id: 'ReconciliationDiscrepancy' });

export const stuckActivityObjectSchema = z
  .object({
    object: z.literal('stuck_activity'),
    workflow_id: z.string(),
    activity_id: z.string(),
    activity_type: z.string(),
    attempt: z.number().int(),
    last_failure: z.string().nullable(),
    first_failed_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'StuckActivity' });

export const kratosCourierAnswerSchema = z
  .object({
    object: z.literal('message'),
    id: z.string(),
    status: z.enum(MESSAGE_STATUSES),
    created: z.boolean().describe('false when Kratos retried a message already taken: nothing new is sent'),
  })
  .meta({ id: 'KratosCourierAnswer' });

export type AdminObjectSchemaChecks = [
  Matches<ReturnType<typeof merchantObject>, z.infer<typeof merchantObjectSchema>>,
  Matches<ReturnType<typeof createdMerchantObject>, z.infer<typeof createdMerchantObjectSchema>>,
  Matches<ReturnType<typeof apiKeyObject>, z.infer<typeof apiKeyObjectSchema>>,
  Matches<ReturnType<typeof createdApiKeyObject>, z.infer<typeof createdApiKeyObjectSchema>>,
  Matches<ReturnType<typeof sandboxAccountsObject>, z.infer<typeof sandboxAccountsObjectSchema>>,
  Matches<ReturnType<typeof toTemplateObject>, z.infer<typeof templateObjectSchema>>,
  Matches<ReturnType<typeof toTemplatePreviewObject>, z.infer<typeof templatePreviewObjectSchema>>,
  Matches<ReturnType<typeof toMessageObject>, z.infer<typeof messageObjectSchema>>,
  Matches<ReturnType<typeof messageAccountObject>, z.infer<typeof messageAccountObjectSchema>>,
  Matches<ReturnType<typeof runObject>, z.infer<typeof reconciliationRunObjectSchema>>,
  Matches<ReturnType<typeof summaryObject>, z.infer<typeof reconciliationSummaryObjectSchema>>,
  Matches<ReturnType<typeof discrepancyObject>, z.infer<typeof reconciliationDiscrepancyObjectSchema>>,
  Matches<ReturnType<typeof stuckObject>, z.infer<typeof stuckActivityObjectSchema>>,
  Matches<ReturnType<typeof courierAnswer>, z.infer<typeof kratosCourierAnswerSchema>>,
];
