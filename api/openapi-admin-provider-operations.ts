import { z } from 'zod';
import { availableProviders } from '../providers/registry';
import { channelRouteQuerySchema, setChannelRouteSchema } from './admin-provider-accounts.routes';
import { list, listExample, MERCHANT_EXAMPLE } from './openapi-examples';
import type { Operation } from './openapi-operations';
import {
  channelRouteObjectSchema,
  credentialsCheckObjectSchema,
  providerAccountObjectSchema,
} from './provider-account-object-schemas';
import { createProviderAccountSchema, updateProviderAccountSchema } from './provider-accounts.service';
import { emptyBodySchema } from './validation';

// A merchant's provider accounts and channel routes (/v1/admin/…), as entries of OPERATIONS
// (api/openapi-operations.ts).

const ACCOUNT_ID = 'pa_3Hq8Tz5Kc2Vw9Nb4Xm';

const PROVIDER_ACCOUNT_EXAMPLE = {
  id: ACCOUNT_ID,
  object: 'provider_account',
  merchant: MERCHANT_EXAMPLE.id,
  provider: 'alipay',
  livemode: false,
  external_id: '2021004117671234',
  credentials: [
    {
      field: 'private_key',
      kind: 'private_key',
      key_type: 'rsa',
      key_bits: 2048,
      public_key_sha256: '5f1c3d0e8a9b7c6d4e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d',
      serial: null,
      subject: null,
      valid_from: null,
      valid_to: null,
    },
    {
      field: 'alipay_public_key',
      kind: 'public_key',
      key_type: 'rsa',
      key_bits: 2048,
      public_key_sha256: '0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9',
      serial: null,
      subject: null,
      valid_from: null,
      valid_to: null,
    },
  ],
  credentials_error: null,
  channels: ['alipay_pc', 'alipay_qr'],
  created_at: '2026-12-04T01:00:00.000Z',
  credentials_updated_at: '2026-12-04T01:00:00.000Z',
  last_check: null,
};

const PEM_EXAMPLE = (label: string) => `-----BEGIN ${label}-----\nMIIEv…\n-----END ${label}-----\n`;

const CHANNEL_ROUTE_EXAMPLE = {
  object: 'channel_route',
  merchant: MERCHANT_EXAMPLE.id,
  livemode: false,
  channel: 'alipay_qr',
  provider_account: ACCOUNT_ID,
  provider: 'alipay',
  external_id: '2021004117671234',
  created_at: '2026-12-04T01:00:00.000Z',
};

const [firstUpdate, ...otherUpdates] = availableProviders().map(updateProviderAccountSchema);

export const ADMIN_PROVIDER_OPERATIONS: Operation[] = [
  {
    method: 'get',
    path: '/v1/admin/merchants/:id/provider_accounts',
    access: 'admin',
    tag: 'Admin',
    summary: "A merchant's provider accounts, their credentials by fingerprint (never a secret)",
    ids: { id: 'mer' },
    status: 200,
    response: list(providerAccountObjectSchema),
    responseExample: listExample(
      `/v1/admin/merchants/${MERCHANT_EXAMPLE.id}/provider_accounts`,
      PROVIDER_ACCOUNT_EXAMPLE,
    ),
  },
  {
    method: 'post',
    path: '/v1/admin/merchants/:id/provider_accounts',
    access: 'admin',
    tag: 'Admin',
    summary:
      "Add a provider account from the uploaded files' contents (PEM as text, .pfx as base64); every key and certificate is parsed and checked against the others, then sealed",
    ids: { id: 'mer' },
    body: createProviderAccountSchema(),
    bodyExample: {
      provider: 'alipay',
      livemode: false,
      credentials: {
        app_id: '2021004117671234',
        private_key: PEM_EXAMPLE('PRIVATE KEY'),
        alipay_public_key: PEM_EXAMPLE('PUBLIC KEY'),
      },
    },
    status: 201,
    response: providerAccountObjectSchema,
    responseExample: PROVIDER_ACCOUNT_EXAMPLE,
  },
  {
    method: 'get',
    path: '/v1/admin/provider_accounts/:id',
    access: 'admin',
    tag: 'Admin',
    summary: 'A provider account, its credentials by fingerprint',
    ids: { id: 'pa' },
    status: 200,
    response: providerAccountObjectSchema,
    responseExample: PROVIDER_ACCOUNT_EXAMPLE,
  },
  {
    method: 'post',
    path: '/v1/admin/provider_accounts/:id',
    access: 'admin',
    tag: 'Admin',
    summary:
      "Replace some of a provider account's credentials (those not sent are kept; the whole is checked again); the next payment uses them",
    ids: { id: 'pa' },
    body: z.union([firstUpdate, ...otherUpdates]),
    bodyExample: { credentials: { alipay_public_key: PEM_EXAMPLE('PUBLIC KEY') } },
    status: 200,
    response: providerAccountObjectSchema,
    responseExample: PROVIDER_ACCOUNT_EXAMPLE,
  },
  {
    method: 'post',
    path: '/v1/admin/provider_accounts/:id/test',
    access: 'admin',
    tag: 'Admin',
    summary:
      'Test the credentials: a signed query to the provider (the sandbox in test mode) about an order that cannot exist; a signed "no such order" passes',
    ids: { id: 'pa' },
    body: emptyBodySchema,
    bodyOptional: true,
    status: 200,
    response: credentialsCheckObjectSchema,
    responseExample: {
      object: 'provider_account_check',
      provider_account: ACCOUNT_ID,
      ok: true,
      outcome: 'passed',
      provider_answer: { code: 'ACQ.TRADE_NOT_EXIST', message: '交易不存在' },
      message:
        "alipay answered a signed query about order tbcheck4kT9xQ2mLr7Vn3Zp8Hc (which cannot exist), and its answer's signature verified: the credentials work.",
      checked_at: '2026-12-04T01:02:00.000Z',
    },
  },
  {
    method: 'get',
    path: '/v1/admin/merchants/:id/channel_routes',
    access: 'admin',
    tag: 'Admin',
    summary: "Which provider account serves each of a merchant's channels, per mode",
    ids: { id: 'mer' },
    status: 200,
    response: list(channelRouteObjectSchema),
    responseExample: listExample(`/v1/admin/merchants/${MERCHANT_EXAMPLE.id}/channel_routes`, CHANNEL_ROUTE_EXAMPLE),
  },
  {
    method: 'post',
    path: '/v1/admin/merchants/:id/channel_routes',
    access: 'admin',
    tag: 'Admin',
    summary:
      "Route a channel, in a mode, to one of the merchant's accounts of that channel's provider and mode; the next payment on it goes there",
    ids: { id: 'mer' },
    body: setChannelRouteSchema,
    bodyExample: { channel: 'alipay_qr', livemode: false, provider_account: ACCOUNT_ID },
    status: 200,
    response: channelRouteObjectSchema,
    responseExample: CHANNEL_ROUTE_EXAMPLE,
  },
  {
    method: 'delete',
    path: '/v1/admin/merchants/:id/channel_routes/:channel',
    access: 'admin',
    tag: 'Admin',
    summary: 'Remove a channel route: new payments on that channel and mode are refused until it is routed again',
    ids: { id: 'mer' },
    query: channelRouteQuerySchema,
    status: 200,
    response: channelRouteObjectSchema,
    responseExample: CHANNEL_ROUTE_EXAMPLE,
  },
];
