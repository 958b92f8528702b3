import { z } from 'zod';
import { CHANNELS, PROVIDERS } from '../domain/payment';
import { CHECK_OUTCOMES } from '../domain/provider-account';
import type {
  channelRouteObject,
  credentialsCheckAnswer,
  providerAccountObject,
} from './admin-provider-accounts.routes';
import { timestamp, type Matches } from './object-schemas';

// The answers of the provider account and channel route routes (/v1/admin/…), for the OpenAPI
// document only, held to the functions that shape them by `Matches` at the end.

export const credentialPartObjectSchema = z
  .object({
    field: z.string().describe('The credentials field it was uploaded as: `private_key`, `platform_certificates[0]`.'),
    kind: z.enum(['private_key', 'public_key', 'certificate', 'pkcs12', 'secret']),
    key_type: z.string().nullable().describe('`rsa`; null for a secret.'),
    key_bits: z.number().int().nullable(),
    public_key_sha256: z
      .string()
      .nullable()
      .describe("SHA-256 (hex) of the public key's DER (SPKI); a private key's is its public key's."),
    serial: z
      .string()
      .nullable()
      .describe("A certificate's serial as its provider writes it (WeChat Pay: hex; UnionPay: the decimal certId)."),
    subject: z.string().nullable(),
    valid_from: timestamp.nullable(),
    valid_to: timestamp.nullable(),
  })
  .meta({
    id: 'CredentialPart',
    description: 'One part of the credentials, by fingerprint: secrets are sealed and never answered.',
  });

const credentialsCheckFields = {
  ok: z.boolean().describe('The provider answered the signed query, and its answer verified.'),
  outcome: z
    .enum(CHECK_OUTCOMES)
    .describe(
      '`passed`; `refused`: the provider refused the signed request (the credentials do not work); `provider_signature_invalid`: it answered, but its answer did not verify with the provider key stored; `unavailable`: not reached or busy, nothing judged; `error`: ours, logged.',
    ),
  provider_answer: z
    .object({ code: z.string().nullable(), message: z.string() })
    .nullable()
    .describe("The provider's answer in its words; null when it was not reached."),
  message: z.string(),
  checked_at: timestamp,
};

export const providerAccountObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('provider_account'),
    merchant: z.string(),
    provider: z.enum(PROVIDERS),
    livemode: z.boolean(),
    external_id: z.string().describe('Alipay app id, WeChat Pay mchid, UnionPay merId.'),
    credentials: z.array(credentialPartObjectSchema),
    credentials_error: z
      .string()
      .nullable()
      .describe('Why the stored credentials could not be read; null when they could.'),
    channels: z.array(z.enum(CHANNELS)).describe('The channels routed to it.'),
    created_at: timestamp,
    credentials_updated_at: timestamp.nullable(),
    last_check: z.object(credentialsCheckFields).nullable(),
  })
  .meta({ id: 'ProviderAccount' });

export const credentialsCheckObjectSchema = z
  .object({
    object: z.literal('provider_account_check'),
    provider_account: z.string(),
    ...credentialsCheckFields,
  })
  .meta({ id: 'ProviderAccountCheck' });

export const channelRouteObjectSchema = z
  .object({
    object: z.literal('channel_route'),
    merchant: z.string(),
    livemode: z.boolean(),
    channel: z.enum(CHANNELS),
    provider_account: z.string(),
    provider: z.enum(PROVIDERS),
    external_id: z.string(),
    created_at: timestamp,
  })
  .meta({ id: 'ChannelRoute' });

export type ProviderAccountObjectSchemaChecks = [
  Matches<ReturnType<typeof providerAccountObject>, z.infer<typeof providerAccountObjectSchema>>,
  Matches<ReturnType<typeof credentialsCheckAnswer>, z.infer<typeof credentialsCheckObjectSchema>>,
  Matches<ReturnType<typeof channelRouteObject>, z.infer<typeof channelRouteObjectSchema>>,
];
