import { emptyBodySchema } from './validation';
import { list } from './openapi-examples';
import type { Operation } from './openapi-operations';
import { staffObjectSchema, staffSessionObjectSchema } from './staff-object-schemas';
import { inviteStaffSchema, lockSchema, updateStaffSchema } from './staff.routes';

// The admin console's people: the signed-in staff member and the staff page (superadmins change it),
// as entries of OPERATIONS (api/openapi-operations.ts).

const staffChange = (path: string, summary: string, body: Operation['body']): Operation => ({
  method: 'post',
  path,
  access: 'admin',
  tag: 'Admin staff',
  summary,
  ids: { id: 'stf' },
  body,
  ...(body === emptyBodySchema ? { bodyOptional: true } : {}),
  status: 200,
  response: staffObjectSchema,
});

export const ADMIN_STAFF_OPERATIONS: Operation[] = [
  {
    method: 'get',
    path: '/v1/staff/session',
    access: 'staff',
    tag: 'Admin staff',
    summary: 'The signed-in staff member, their permissions, and whether a second factor is still needed',
    status: 200,
    response: staffSessionObjectSchema,
  },
  {
    method: 'get',
    path: '/v1/admin/staff',
    access: 'admin',
    tag: 'Admin staff',
    summary: "The platform's staff, superadmins first",
    status: 200,
    response: list(staffObjectSchema),
  },
  {
    method: 'post',
    path: '/v1/admin/staff',
    access: 'admin',
    tag: 'Admin staff',
    summary: 'Invite a staff member by e-mail (superadmin): a Kratos staff identity and an invitation',
    body: inviteStaffSchema,
    bodyExample: { email: 'ops@example.com', role: 'operator', locale: 'en-US' },
    status: 201,
    response: staffObjectSchema,
  },
  {
    method: 'get',
    path: '/v1/admin/staff/:id',
    access: 'admin',
    tag: 'Admin staff',
    summary: 'A staff member',
    ids: { id: 'stf' },
    status: 200,
    response: staffObjectSchema,
  },
  staffChange('/v1/admin/staff/:id', "Change a staff member's role (the last superadmin stays)", updateStaffSchema),
  staffChange('/v1/admin/staff/:id/lock', 'Lock a staff member out (their sessions end)', lockSchema),
  staffChange('/v1/admin/staff/:id/unlock', 'Unlock a staff member', emptyBodySchema),
  staffChange(
    '/v1/admin/staff/:id/reset_second_factor',
    'Remove a staff member’s second factors (a lost phone): they set a new one up at their next sign-in',
    emptyBodySchema,
  ),
];
