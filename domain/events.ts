export const EVENT_TYPES = [
  'payment.succeeded',
  'payment.failed',
  'payment.canceled',
  'payment.expired',
  'refund.succeeded',
  'refund.failed',
  'refund.requires_attention',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
