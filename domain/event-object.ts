import type { EventType } from './events';

/** An event as stored: the object's state when it happened, frozen in `data`. */
export interface StoredEvent {
  id: string;
  merchantId: string;
  livemode: boolean;
  type: string;
  objectId: string;
  data: Record<string, unknown>;
  createdAt: Date;
}

/**
 * The event object of API.md. `GET /v1/events/:id` answers it and a webhook delivery POSTs it,
 * serialised the same way, so a merchant can compare the two.
 */
export interface EventObject {
  id: string;
  object: 'event';
  type: EventType;
  created_at: string;
  livemode: boolean;
  data: { object: Record<string, unknown> };
}

export function toEventObject(event: StoredEvent): EventObject {
  return {
    id: event.id,
    object: 'event',
    type: event.type as EventType,
    created_at: new Date(event.createdAt).toISOString(),
    livemode: event.livemode,
    data: { object: (event.data.object ?? {}) as Record<string, unknown> },
  };
}

/**
 * The payment an event is about, for support's search attribute: the payment itself, or the
 * payment a refund belongs to. Null for objects that belong to no payment.
 */
export function paymentIdOfEvent(event: Pick<StoredEvent, 'data'>): string | null {
  const object = event.data.object as { object?: unknown; id?: unknown; payment?: unknown } | undefined;
  if (object?.object === 'payment' && typeof object.id === 'string') return object.id;
  if (object?.object === 'refund' && typeof object.payment === 'string') return object.payment;
  return null;
}
