import {
  auditEntryObjectSchema,
  consoleSessionObjectSchema,
  memberObjectSchema,
  membershipObjectSchema,
} from './team-object-schemas';
import { createConsoleMerchantSchema } from './console.routes';
import { auditLogQuerySchema, inviteMemberSchema, updateMemberSchema } from './team.routes';
import { list } from './openapi-examples';
import type { Operation } from './openapi-operations';

// The consoles: the signed-in person, their merchants, the team and the audit log (sessions only), as entries of OPERATIONS (api/openapi-operations.ts).

export const TEAM_OPERATIONS: Operation[] = [
  {
    method: 'get',
    path: '/v1/console/session',
    access: 'console',
    tag: 'Console',
    summary: 'The signed-in person and the merchants they belong to',
    status: 200,
    response: consoleSessionObjectSchema,
  },
  {
    method: 'post',
    path: '/v1/console/merchants',
    access: 'console',
    tag: 'Console',
    summary: 'Create a merchant (test mode; live mode after an admin approves) with the person as owner',
    body: createConsoleMerchantSchema,
    bodyExample: { name: '示例茶馆' },
    status: 201,
    response: membershipObjectSchema,
  },
  {
    method: 'get',
    path: '/v1/team/members',
    access: 'console',
    tag: 'Team',
    summary: "The merchant's team",
    status: 200,
    response: list(memberObjectSchema),
  },
  {
    method: 'post',
    path: '/v1/team/members',
    access: 'console',
    tag: 'Team',
    summary: 'Invite a person by e-mail (owner, admin)',
    body: inviteMemberSchema,
    bodyExample: { email: 'li.wei@example.com', role: 'support', refund_limit: 10000 },
    status: 201,
    response: memberObjectSchema,
  },
  {
    method: 'post',
    path: '/v1/team/members/:id',
    access: 'console',
    tag: 'Team',
    summary: "Change a member's role or refund limit (the last owner stays owner)",
    ids: { id: 'mem' },
    body: updateMemberSchema,
    status: 200,
    response: memberObjectSchema,
  },
  {
    method: 'delete',
    path: '/v1/team/members/:id',
    access: 'console',
    tag: 'Team',
    summary: 'Remove a member (never the last owner)',
    ids: { id: 'mem' },
    status: 200,
    response: memberObjectSchema,
  },
  {
    method: 'get',
    path: '/v1/audit_log',
    access: 'console',
    tag: 'Team',
    summary: 'Every console action on the merchant, newest first (owner, admin)',
    query: auditLogQuerySchema,
    status: 200,
    response: list(auditEntryObjectSchema),
  },
];
