import { paymentExportObjectSchema, overviewObjectSchema, paymentTimelineObjectSchema } from './console-object-schemas';
import type { Operation } from './openapi-operations';
import { createPaymentExportSchema } from './payment-exports.routes';
import { overviewQuerySchema } from './reports.routes';

// The merchant console's reads (a payment's timeline, the overview, CSV exports), as entries of
// OPERATIONS (api/openapi-operations.ts).

const EXPORT_EXAMPLE = {
  id: 'pexp_3Jd8Wq2Lx7Vb4Nr9Kt1Hs',
  object: 'payment_export',
  livemode: false,
  status: 'ready',
  filters: {
    status: 'succeeded',
    channel: null,
    provider: null,
    merchant_order_no: null,
    customer: null,
    'amount[gte]': null,
    'amount[lte]': null,
    'created[gte]': '2026-12-01T00:00:00.000Z',
    'created[lte]': null,
    q: null,
  },
  row_count: 1250,
  failure_reason: null,
  created_at: '2026-12-03T12:00:00.000Z',
  completed_at: '2026-12-03T12:00:04.000Z',
  file_url: '/v1/payment_exports/pexp_3Jd8Wq2Lx7Vb4Nr9Kt1Hs/file',
};

export const CONSOLE_OPERATIONS: Operation[] = [
  {
    method: 'get',
    path: '/v1/payments/:id/timeline',
    access: 'merchant',
    tag: 'Payments',
    summary:
      "A payment's history in one answer: its status changes, its provider's notifications with their outcome, its and its refunds' events with every webhook attempt, and its refunds",
    ids: { id: 'pay' },
    status: 200,
    response: paymentTimelineObjectSchema,
  },
  {
    method: 'get',
    path: '/v1/reports/overview',
    access: 'merchant',
    tag: 'Reports',
    summary:
      "The key's mode's payments of the last 24 hours (by hour) or 7 or 30 China days (by day): volume, counts, success rate, by channel and provider, refunds",
    query: overviewQuerySchema,
    status: 200,
    response: overviewObjectSchema,
  },
  {
    method: 'post',
    path: '/v1/payment_exports',
    access: 'merchant',
    tag: 'Payments',
    summary: 'Export the payments that match the filters of GET /v1/payments to CSV (written in the background)',
    body: createPaymentExportSchema,
    bodyOptional: true,
    bodyExample: { status: 'succeeded', 'created[gte]': '2026-12-01T00:00:00Z' },
    status: 201,
    response: paymentExportObjectSchema,
    responseExample: { ...EXPORT_EXAMPLE, status: 'pending', row_count: 0, completed_at: null, file_url: null },
  },
  {
    method: 'get',
    path: '/v1/payment_exports/:id',
    access: 'merchant',
    tag: 'Payments',
    summary: 'Retrieve a payment export (its status, and its file once ready)',
    ids: { id: 'pexp' },
    status: 200,
    response: paymentExportObjectSchema,
    responseExample: EXPORT_EXAMPLE,
  },
  {
    method: 'get',
    path: '/v1/payment_exports/:id/file',
    access: 'merchant',
    tag: 'Payments',
    summary:
      'Download a ready export as CSV (UTF-8 with a byte order mark; amounts in fen; cells starting with = + - @ prefixed with a quote); 409 before it is ready',
    ids: { id: 'pexp' },
    status: 200,
    responseType: 'text/csv',
  },
];
