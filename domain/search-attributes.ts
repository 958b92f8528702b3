import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Registered on the dev server by scripts/temporal.mjs; support staff search by them in the Web UI,
// e.g. `MerchantId="mer_…" AND PaymentStatus="failed"`.
export const MerchantIdKey = defineSearchAttributeKey('MerchantId', SearchAttributeType.KEYWORD);
export const PaymentIdKey = defineSearchAttributeKey('PaymentId', SearchAttributeType.KEYWORD);
export const ProviderKey = defineSearchAttributeKey('Provider', SearchAttributeType.KEYWORD);
export const ChannelKey = defineSearchAttributeKey('Channel', SearchAttributeType.KEYWORD);
export const PaymentStatusKey = defineSearchAttributeKey('PaymentStatus', SearchAttributeType.KEYWORD);
export const AmountMinorKey = defineSearchAttributeKey('AmountMinor', SearchAttributeType.INT);
export const RefundIdKey = defineSearchAttributeKey('RefundId', SearchAttributeType.KEYWORD);
export const RefundStatusKey = defineSearchAttributeKey('RefundStatus', SearchAttributeType.KEYWORD);
export const EventIdKey = defineSearchAttributeKey('EventId', SearchAttributeType.KEYWORD);
export const EventTypeKey = defineSearchAttributeKey('EventType', SearchAttributeType.KEYWORD);
export const DeliveryStatusKey = defineSearchAttributeKey('DeliveryStatus', SearchAttributeType.KEYWORD);
/** A message's id, template, masked recipient, object and customer (SQL visibility has no 11th Keyword). */
export const MessageKeysKey = defineSearchAttributeKey('MessageKeys', SearchAttributeType.KEYWORD_LIST);

/** Every key above: what the workflow tests' server and the PostgreSQL mode's test register and check. */
export const ALL_SEARCH_ATTRIBUTE_KEYS = [
  MerchantIdKey,
  PaymentIdKey,
  ProviderKey,
  ChannelKey,
  PaymentStatusKey,
  AmountMinorKey,
  RefundIdKey,
  RefundStatusKey,
  EventIdKey,
  EventTypeKey,
  DeliveryStatusKey,
  MessageKeysKey,
];
