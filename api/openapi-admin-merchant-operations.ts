import {
  liveModeObjectSchema,
  merchantDetailsObjectSchema,
  merchantUserObjectSchema,
} from './admin-merchant-object-schemas';
import {
  listMerchantsSchema,
  liveModeDecisionSchema,
  lockMerchantUserSchema,
  suspendMerchantSchema,
} from './admin-merchants.routes';
import { merchantObjectSchema } from './admin-object-schemas';
import { list, listExample, MERCHANT_EXAMPLE } from './openapi-examples';
import type { Operation } from './openapi-operations';
import { memberObjectSchema } from './team-object-schemas';
import { emptyBodySchema } from './validation';

// The admin console's Merchants and merchant users (api/admin-merchants.routes.ts), and the merchant's
// request for live mode that an admin decides, as entries of OPERATIONS (api/openapi-operations.ts).

const SUSPENDED_EXAMPLE = {
  ...MERCHANT_EXAMPLE,
  status: 'suspended',
  suspended_reason: 'Chargebacks under review',
  suspended_at: '2026-12-04T02:00:00.000Z',
};
const IDENTITY_EXAMPLE = '9b2f6c1e-4d3a-4f8e-a1b2-3c4d5e6f7a8b';
const MERCHANT_USER_EXAMPLE = {
  id: IDENTITY_EXAMPLE,
  object: 'merchant_user',
  email: 'li.wei@teahouse.example.cn',
  name: 'Li Wei',
  memberships: [
    {
      merchant: MERCHANT_EXAMPLE.id,
      member: 'mem_4Hn8Qw2Zx6Kc1Vb9Lm',
      role: 'owner',
      joined_at: '2026-12-03T08:05:00Z',
    },
  ],
  locked: true,
  locked_reason: 'Account takeover reported by the merchant',
  locked_by: 'ops@tongbao.example',
  locked_at: '2026-12-04T02:10:00.000Z',
};

const admin = (operation: Omit<Operation, 'access' | 'tag'>): Operation => ({
  access: 'admin',
  tag: 'Admin',
  ...operation,
});

export const ADMIN_MERCHANT_OPERATIONS: Operation[] = [
  admin({
    method: 'get',
    path: '/v1/admin/merchants',
    summary: 'List merchants, newest first: search by id, name or e-mail; filter by live mode and status',
    query: listMerchantsSchema,
    status: 200,
    response: list(merchantObjectSchema),
    responseExample: listExample('/v1/admin/merchants', MERCHANT_EXAMPLE),
  }),
  admin({
    method: 'get',
    path: '/v1/admin/merchants/:id',
    summary: "A merchant's page: its members, its API keys (redacted) and its last 30 days",
    ids: { id: 'mer' },
    status: 200,
    response: merchantDetailsObjectSchema,
  }),
  admin({
    method: 'post',
    path: '/v1/admin/merchants/:id/suspend',
    summary:
      'Suspend a merchant: its keys and console may read, refund and cancel, nothing else; its checkout takes no new payment',
    ids: { id: 'mer' },
    body: suspendMerchantSchema,
    bodyExample: { reason: 'Chargebacks under review' },
    status: 200,
    response: merchantObjectSchema,
    responseExample: SUSPENDED_EXAMPLE,
  }),
  admin({
    method: 'post',
    path: '/v1/admin/merchants/:id/reinstate',
    summary: 'Reinstate a suspended merchant',
    ids: { id: 'mer' },
    body: emptyBodySchema,
    bodyOptional: true,
    status: 200,
    response: merchantObjectSchema,
  }),
  admin({
    method: 'post',
    path: '/v1/admin/merchants/:id/live_mode/approve',
    summary: 'Open live mode to a merchant (asked for or not)',
    ids: { id: 'mer' },
    body: liveModeDecisionSchema,
    bodyOptional: true,
    status: 200,
    response: merchantObjectSchema,
    responseExample: { ...MERCHANT_EXAMPLE, live_mode: 'approved' },
  }),
  admin({
    method: 'post',
    path: '/v1/admin/merchants/:id/live_mode/revoke',
    summary: "Refuse a merchant's request for live mode, or close live mode again (live keys get 403)",
    ids: { id: 'mer' },
    body: liveModeDecisionSchema,
    bodyOptional: true,
    bodyExample: { reason: 'Business licence missing: upload it and ask again' },
    status: 200,
    response: merchantObjectSchema,
  }),
  admin({
    method: 'post',
    path: '/v1/admin/merchants/:id/members/:member_id/resend_invitation',
    summary: 'Send a member who has not joined a fresh invitation',
    ids: { id: 'mer', member_id: 'mem' },
    body: emptyBodySchema,
    bodyOptional: true,
    status: 200,
    response: memberObjectSchema,
  }),
  admin({
    method: 'get',
    path: '/v1/admin/merchant_users/:identity_id',
    summary: 'A merchant user: their memberships and whether the platform locked them',
    status: 200,
    response: merchantUserObjectSchema,
    responseExample: MERCHANT_USER_EXAMPLE,
  }),
  admin({
    method: 'post',
    path: '/v1/admin/merchant_users/:identity_id/lock',
    summary: 'Lock a merchant user out of every merchant and end their sessions',
    body: lockMerchantUserSchema,
    bodyExample: { reason: 'Account takeover reported by the merchant' },
    status: 200,
    response: merchantUserObjectSchema,
    responseExample: MERCHANT_USER_EXAMPLE,
  }),
  admin({
    method: 'post',
    path: '/v1/admin/merchant_users/:identity_id/unlock',
    summary: 'Unlock a merchant user (they sign in again)',
    body: emptyBodySchema,
    bodyOptional: true,
    status: 200,
    response: merchantUserObjectSchema,
  }),
  {
    method: 'post',
    path: '/v1/account/live_mode_request',
    access: 'console',
    tag: 'Account',
    summary: 'Ask the platform to open live mode (owners and admins, in the console)',
    body: emptyBodySchema,
    bodyOptional: true,
    status: 200,
    response: liveModeObjectSchema,
    responseExample: {
      object: 'live_mode',
      merchant: MERCHANT_EXAMPLE.id,
      status: 'requested',
      requested_at: '2026-12-03T09:30:00.000Z',
      reason: null,
    },
  },
];
