import { apiKeyObjectSchema, createdApiKeyObjectSchema } from './admin-object-schemas';
import { updateAccountSchema } from './account.routes';
import { createMerchantApiKeySchema, rollApiKeySchema } from './api-keys.routes';
import { accountObjectSchema, listObjectSchema as list } from './object-schemas';
import type { Operation } from './openapi-operations';
import { emptyBodySchema, plainListQuerySchema } from './validation';

// The merchant's account and its own keys (the console's settings), as entries of OPERATIONS
// (api/openapi-operations.ts), kept apart so that the route table stays readable.

const ACCOUNT_EXAMPLE = {
  id: 'mer_8Tq3Zx6Nc1Rv5Jm2Wk',
  object: 'account',
  livemode: false,
  name: 'Tea House',
  email: 'owner@teahouse.example.cn',
  display_name: '茶叶小铺 Tea House',
  logo: 'data:image/png;base64,iVBORw0KGgo…',
  brand_color: '#0a58ca',
  default_locale: 'en-US',
  require_mfa: false,
  created_at: '2026-12-03T08:00:00.000Z',
};
const API_KEY_EXAMPLE = {
  id: 'key_3Rf7Ut1Yk9Pm5Zq2Lc',
  object: 'api_key',
  merchant: ACCOUNT_EXAMPLE.id,
  livemode: false,
  name: 'Order service',
  redacted: 'sk_test_…x9Qa',
  created_at: '2026-12-03T08:00:00.000Z',
  last_used_at: '2026-12-03T11:59:00.000Z',
  expires_at: null,
  revoked_at: null,
};

export const ACCOUNT_OPERATIONS: Operation[] = [
  {
    method: 'get',
    path: '/v1/account',
    access: 'merchant',
    tag: 'Account',
    summary: "The merchant's account, with the hosted checkout's branding",
    status: 200,
    response: accountObjectSchema,
    responseExample: ACCOUNT_EXAMPLE,
  },
  {
    method: 'post',
    path: '/v1/account',
    access: 'merchant',
    tag: 'Account',
    summary: 'Update the branding of the hosted checkout (a field left out stays, null clears it)',
    body: updateAccountSchema,
    bodyExample: { display_name: '茶叶小铺 Tea House', brand_color: '#0a58ca', default_locale: 'en-US' },
    status: 200,
    response: accountObjectSchema,
    responseExample: ACCOUNT_EXAMPLE,
  },
  {
    method: 'get',
    path: '/v1/api_keys',
    access: 'console',
    tag: 'Account',
    summary: "The secret keys of the caller's mode that work now (rolled ones in their grace too), newest first",
    query: plainListQuerySchema,
    status: 200,
    response: list(apiKeyObjectSchema),
    responseExample: { object: 'list', url: '/v1/api_keys', data: [API_KEY_EXAMPLE], has_more: false },
  },
  {
    method: 'post',
    path: '/v1/api_keys',
    access: 'console',
    tag: 'Account',
    summary: "Create a secret key in the caller's mode (its secret is shown once, here)",
    body: createMerchantApiKeySchema,
    bodyOptional: true,
    bodyExample: { name: 'Order service' },
    status: 201,
    response: createdApiKeyObjectSchema,
  },
  {
    method: 'post',
    path: '/v1/api_keys/:id/roll',
    access: 'console',
    tag: 'Account',
    summary: 'Replace a key: the new one is shown once; the old one works for expires_in seconds more (0: stops now)',
    ids: { id: 'key' },
    body: rollApiKeySchema,
    bodyExample: { expires_in: 86400 },
    status: 201,
    response: createdApiKeyObjectSchema,
  },
  {
    method: 'post',
    path: '/v1/api_keys/:id/revoke',
    access: 'console',
    tag: 'Account',
    summary: 'Revoke a key now',
    ids: { id: 'key' },
    body: emptyBodySchema,
    bodyOptional: true,
    status: 200,
    response: apiKeyObjectSchema,
    responseExample: { ...API_KEY_EXAMPLE, revoked_at: '2026-12-03T12:00:00.000Z' },
  },
];
