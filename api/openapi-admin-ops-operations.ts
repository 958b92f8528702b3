import {
  adminAuditEntryObjectSchema,
  adminCustomerObjectSchema,
  adminCustomerWithPaymentsObjectSchema,
  adminOverviewObjectSchema,
  adminPaymentObjectSchema,
  adminPaymentTimelineObjectSchema,
  adminRefundObjectSchema,
  failingWebhookEndpointObjectSchema,
  providerNotificationObjectSchema,
} from './admin-ops-object-schemas';
import { reconciliationDiscrepancyObjectSchema } from './admin-object-schemas';
import { adminAuditLogQuerySchema } from './admin-audit-log.routes';
import { adminListCustomersSchema } from './admin-customers.routes';
import { listNotificationsSchema } from './admin-notifications.routes';
import { adminOverviewQuerySchema } from './admin-overview.routes';
import { adminListPaymentsSchema, adminListRefundsSchema } from './admin-transactions.routes';
import { webhookDeliveryObjectSchema } from './object-schemas';
import { resendSchema } from './events.routes';
import { plainListQuerySchema } from './validation';
import { list } from './openapi-examples';
import type { Operation } from './openapi-operations';
import { resolveSchema } from './reconciliation.routes';

// The admin console's operations routes (api/admin-operations.routes.ts) as entries of OPERATIONS.

const admin = { access: 'admin', tag: 'Admin' } as const;

export const ADMIN_OPS_OPERATIONS: Operation[] = [
  {
    ...admin,
    method: 'get',
    path: '/v1/admin/overview',
    summary:
      'Platform volume and success rate by provider and channel, and counters of what waits for an admin, each with its queue',
    query: adminOverviewQuerySchema,
    status: 200,
    response: adminOverviewObjectSchema,
  },
  {
    ...admin,
    method: 'get',
    path: '/v1/admin/failing_webhook_endpoints',
    summary: 'Webhook endpoints every attempt to which failed over the last 24 hours',
    status: 200,
    response: list(failingWebhookEndpointObjectSchema),
  },
  {
    ...admin,
    method: 'get',
    path: '/v1/admin/webhook_endpoints/:id/deliveries',
    summary: "A merchant's webhook endpoint's deliveries, newest first, with every attempt",
    ids: { id: 'we' },
    query: plainListQuerySchema,
    status: 200,
    response: list(webhookDeliveryObjectSchema),
  },
  {
    ...admin,
    method: 'post',
    path: '/v1/admin/events/:id/resend',
    summary: "Send a merchant's event again, to one of its endpoints or to all that take it (as the merchant could)",
    ids: { id: 'evt' },
    body: resendSchema,
    bodyOptional: true,
    status: 200,
    response: list(webhookDeliveryObjectSchema),
  },
  {
    ...admin,
    method: 'get',
    path: '/v1/admin/payments',
    summary: "Every merchant's payments, with the console's filters and search",
    query: adminListPaymentsSchema,
    status: 200,
    response: list(adminPaymentObjectSchema),
  },
  {
    ...admin,
    method: 'get',
    path: '/v1/admin/payments/:id',
    summary: 'A payment with its timeline (transitions, refunds, notifications, events and deliveries)',
    ids: { id: 'pay' },
    status: 200,
    response: adminPaymentTimelineObjectSchema,
  },
  {
    ...admin,
    method: 'get',
    path: '/v1/admin/refunds',
    summary:
      "Every merchant's refunds; with status=requires_attention, the stuck refunds queue (the provider's last answer, attempts, age)",
    query: adminListRefundsSchema,
    status: 200,
    response: list(adminRefundObjectSchema),
  },
  {
    ...admin,
    method: 'get',
    path: '/v1/admin/refunds/:id',
    summary: 'A refund and how it is being handled',
    ids: { id: 're' },
    status: 200,
    response: adminRefundObjectSchema,
  },
  {
    ...admin,
    method: 'get',
    path: '/v1/admin/provider_notifications',
    summary: 'The log of provider notifications and what became of them, newest first',
    query: listNotificationsSchema,
    status: 200,
    response: list(providerNotificationObjectSchema),
  },
  {
    ...admin,
    method: 'get',
    path: '/v1/admin/provider_notifications/:id',
    summary: 'A provider notification with its stored body',
    status: 200,
    response: providerNotificationObjectSchema,
  },
  {
    ...admin,
    method: 'post',
    path: '/v1/admin/reconciliation_discrepancies/:id/resolve',
    summary: 'Mark a discrepancy resolved, with a note (resolving again answers it as it is)',
    body: resolveSchema,
    bodyExample: { note: 'Refunded at the provider by hand on 3 Dec; ticket 4411.' },
    status: 200,
    response: reconciliationDiscrepancyObjectSchema,
  },
  {
    ...admin,
    method: 'get',
    path: '/v1/admin/customers',
    summary: 'End users across merchants, found by e-mail address, phone, name or id',
    query: adminListCustomersSchema,
    status: 200,
    response: list(adminCustomerObjectSchema),
  },
  {
    ...admin,
    method: 'get',
    path: '/v1/admin/customers/:id',
    summary: 'An end user with their latest payments',
    ids: { id: 'cus' },
    status: 200,
    response: adminCustomerWithPaymentsObjectSchema,
  },
  {
    ...admin,
    method: 'delete',
    path: '/v1/admin/customers/:id',
    summary: "Erase an end user's personal data on their request (as their merchant's erase)",
    ids: { id: 'cus' },
    status: 200,
    response: adminCustomerObjectSchema,
  },
  {
    ...admin,
    method: 'get',
    path: '/v1/admin/audit_log',
    summary: 'Every admin and merchant-console action, filterable by actor, merchant, object and time',
    query: adminAuditLogQuerySchema,
    status: 200,
    response: list(adminAuditEntryObjectSchema),
  },
];
