/** The event types a webhook endpoint can take (API.md), in the order the console lists them. */
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

export function isEventType(value: string | null): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value ?? '');
}
