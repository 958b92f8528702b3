import { ArrayType, EntitySchema } from '@mikro-orm/core';
import { money, optionalText, optionalTimestamp, text, timestamp } from './columns';
import { TEAM_SCHEMAS } from './team-entities';
import { WEBHOOK_SCHEMAS } from './webhook-entities';
import type {
  CheckoutLocale,
  CheckoutSessionStatus,
  SessionDiscount,
  SessionLineItem,
} from '../domain/checkout-session';
import type { Channel, PaymentRecord, ProviderName } from '../domain/payment';
import type { StoredEvent } from '../domain/event-object';
import type { RefundRecord } from '../domain/refund';
import type { CustomerRecord } from '../domain/customer';
import type { MessageRecord, MessageTemplateRecord } from '../domain/message';
import type { PaymentExportStatus } from '../domain/payment-export';
import type { PaymentFilters } from '../domain/payment-filters';

// Rows as the database holds them. domain/ (toPaymentObject, toRefundObject, toEventObject) and api/webhook-objects.ts shape them into API.md's objects.

/** Whether a merchant may take live payments: a console sign-up starts `unavailable`, an admin approves. */
export type LiveModeStatus = 'unavailable' | 'requested' | 'approved';

/** A suspended merchant takes no new payment; reads and refunds still work (api/merchant-suspension.ts). */
export type MerchantStatus = 'active' | 'suspended';

export type { AuditActorType, AuditLogRow, MemberRole, MerchantMember } from './team-entities';
export * from './webhook-entities';
export { AuditLogSchema, MerchantMemberSchema } from './team-entities';

export interface Merchant {
  id: string;
  name: string;
  email: string | null;
  /** The hosted checkout's branding (api/account.service.ts); null: the name, no logo, Tongbao's colour. */
  displayName?: string | null;
  logo?: Buffer | null;
  logoType?: LogoType | null;
  brandColor?: string | null;
  defaultLocale?: CheckoutLocale | null;
  liveMode: LiveModeStatus;
  /** When an owner or admin asked for live mode; the platform's reason for its last decision on it. */
  liveModeRequestedAt?: Date | null;
  liveModeReason?: string | null;
  status: MerchantStatus;
  suspendedReason?: string | null;
  suspendedAt?: Date | null;
  /** Every member's console session must have passed a second factor (set by an owner). */
  requireMfa: boolean;
  createdAt: Date;
}

export type LogoType = 'image/png' | 'image/jpeg' | 'image/webp';

export interface ApiKey {
  id: string;
  merchantId: string;
  livemode: boolean;
  keyHash: string;
  redacted: string;
  name?: string | null;
  createdAt: Date;
  /** A rolled key works until then; null: until revoked. */
  expiresAt?: Date | null;
  /** Written when a request's lookup reads the key (api/auth.ts), so to within the key cache's few seconds. */
  lastUsedAt?: Date | null;
  revokedAt: Date | null;
}

export interface ProviderAccountRow {
  id: string;
  merchantId: string;
  provider: ProviderName;
  livemode: boolean;
  externalId: string;
  credentialsEncrypted: string;
  createdAt: Date;
}

export type Payment = PaymentRecord;

export interface ChannelRoute {
  merchantId: string;
  livemode: boolean;
  channel: Channel;
  providerAccountId: string;
  createdAt: Date;
}

export type EventRow = StoredEvent;

export const MerchantSchema = new EntitySchema<Merchant>({
  name: 'Merchant',
  tableName: 'merchants',
  properties: {
    id: { ...text, primary: true },
    name: text,
    email: optionalText,
    displayName: optionalText,
    // Read only when asked for (GET /v1/account, the hosted checkout): up to 256 KiB.
    logo: { type: 'blob', nullable: true, lazy: true },
    logoType: optionalText,
    brandColor: optionalText,
    defaultLocale: optionalText,
    liveMode: { type: 'text', default: 'unavailable' },
    liveModeRequestedAt: optionalTimestamp,
    liveModeReason: optionalText,
    status: { type: 'text', default: 'active' },
    suspendedReason: optionalText,
    suspendedAt: optionalTimestamp,
    requireMfa: { type: 'boolean', default: false },
    createdAt: { ...timestamp, onCreate: () => new Date() },
  },
});

export const ApiKeySchema = new EntitySchema<ApiKey>({
  name: 'ApiKey',
  tableName: 'api_keys',
  properties: {
    id: { ...text, primary: true },
    merchantId: text,
    livemode: { type: 'boolean' },
    keyHash: text,
    redacted: text,
    name: optionalText,
    createdAt: { ...timestamp, onCreate: () => new Date() },
    expiresAt: optionalTimestamp,
    lastUsedAt: optionalTimestamp,
    revokedAt: optionalTimestamp,
  },
});

export const ProviderAccountSchema = new EntitySchema<ProviderAccountRow>({
  name: 'ProviderAccount',
  tableName: 'provider_accounts',
  properties: {
    id: { ...text, primary: true },
    merchantId: text,
    provider: { type: 'text' },
    livemode: { type: 'boolean' },
    externalId: text,
    credentialsEncrypted: text,
    createdAt: { ...timestamp, onCreate: () => new Date() },
  },
});

export const PaymentSchema = new EntitySchema<Payment>({
  name: 'Payment',
  tableName: 'payments',
  properties: {
    id: { ...text, primary: true },
    merchantId: text,
    livemode: { type: 'boolean' },
    providerAccountId: text,
    provider: { type: 'text' },
    channel: { type: 'text' },
    status: { type: 'text' },
    amount: money,
    amountRefunded: money,
    currency: text,
    description: text,
    merchantOrderNo: optionalText,
    customerId: optionalText,
    returnUrl: optionalText,
    openid: optionalText,
    clientIp: optionalText,
    metadata: { type: 'json' },
    nextAction: { type: 'json', nullable: true },
    checkoutSessionId: optionalText,
    checkoutUrl: optionalText,
    outTradeNo: text,
    providerTradeNo: optionalText,
    failureCode: optionalText,
    failureMessage: optionalText,
    expiresAt: timestamp,
    createdAt: timestamp,
    updatedAt: { ...timestamp, onCreate: () => new Date(), onUpdate: () => new Date() },
    succeededAt: optionalTimestamp,
    canceledAt: optionalTimestamp,
    expiredAt: optionalTimestamp,
  },
});

export const ChannelRouteSchema = new EntitySchema<ChannelRoute>({
  name: 'ChannelRoute',
  tableName: 'channel_routes',
  properties: {
    merchantId: { ...text, primary: true },
    livemode: { type: 'boolean', primary: true },
    channel: { type: 'text', primary: true },
    providerAccountId: text,
    createdAt: { ...timestamp, onCreate: () => new Date() },
  },
});

export type Refund = RefundRecord;

export const RefundSchema = new EntitySchema<Refund>({
  name: 'Refund',
  tableName: 'refunds',
  properties: {
    id: { ...text, primary: true },
    merchantId: text,
    livemode: { type: 'boolean' },
    paymentId: text,
    origin: { type: 'text' },
    amount: money,
    currency: text,
    status: { type: 'text' },
    reason: optionalText,
    metadata: { type: 'json' },
    outRefundNo: text,
    providerRefundNo: optionalText,
    failureReason: optionalText,
    createdAt: timestamp,
    updatedAt: { ...timestamp, onCreate: () => new Date(), onUpdate: () => new Date() },
    succeededAt: optionalTimestamp,
  },
});

export const EventSchema = new EntitySchema<EventRow>({
  name: 'Event',
  tableName: 'events',
  properties: {
    id: { ...text, primary: true },
    merchantId: text,
    livemode: { type: 'boolean' },
    type: text,
    objectId: text,
    data: { type: 'json' },
    createdAt: { ...timestamp, onCreate: () => new Date() },
  },
});

export interface CheckoutSessionRow {
  id: string;
  merchantId: string;
  livemode: boolean;
  /** As written; `checkoutSessionStatusAt` tells what it is now (an open session's time runs out unwritten). */
  status: CheckoutSessionStatus;
  currency: string;
  locale: CheckoutLocale;
  /** The lines with their computed amounts and tax rates, as the session shows them. */
  lineItems: SessionLineItem[];
  couponCode: string | null;
  /** The coupon as it was when the session was made, with the amount it took off. */
  discounts: SessionDiscount[];
  allowedChannels: Channel[];
  customerId: string | null;
  saveCustomer: string;
  successUrl: string;
  cancelUrl: string;
  amountSubtotal: number;
  amountDiscount: number;
  amountTax: number;
  amountTotal: number;
  paymentId: string | null;
  expiresAt: Date;
  createdAt: Date;
  completedAt: Date | null;
  expiredAt: Date | null;
}

export const CheckoutSessionSchema = new EntitySchema<CheckoutSessionRow>({
  name: 'CheckoutSession',
  tableName: 'checkout_sessions',
  properties: {
    id: { ...text, primary: true },
    merchantId: text,
    livemode: { type: 'boolean' },
    status: { type: 'text' },
    currency: text,
    locale: { type: 'text' },
    lineItems: { type: 'json' },
    couponCode: optionalText,
    discounts: { type: 'json' },
    allowedChannels: { type: new ArrayType() },
    customerId: optionalText,
    saveCustomer: text,
    successUrl: text,
    cancelUrl: text,
    amountSubtotal: money,
    amountDiscount: money,
    amountTax: money,
    amountTotal: money,
    paymentId: optionalText,
    expiresAt: timestamp,
    createdAt: { ...timestamp, onCreate: () => new Date() },
    completedAt: optionalTimestamp,
    expiredAt: optionalTimestamp,
  },
});

export type CustomerRow = CustomerRecord;

export const CustomerSchema = new EntitySchema<CustomerRow>({
  name: 'Customer',
  tableName: 'customers',
  properties: {
    id: { ...text, primary: true },
    merchantId: text,
    livemode: { type: 'boolean' },
    email: optionalText,
    phone: optionalText,
    name: optionalText,
    locale: { type: 'text', nullable: true },
    shippingAddress: { type: 'json', nullable: true },
    preferredChannel: { type: 'text', nullable: true },
    metadata: { type: 'json' },
    createdAt: timestamp,
    updatedAt: timestamp,
    erasedAt: optionalTimestamp,
  },
});

export const MessageTemplateSchema = new EntitySchema<MessageTemplateRecord>({
  name: 'MessageTemplate',
  tableName: 'message_templates',
  properties: {
    id: { ...text, primary: true },
    code: text,
    channel: { type: 'text' },
    locale: { type: 'text' },
    builtin: { type: 'boolean' },
    subject: optionalText,
    body: text,
    variables: { type: 'json' },
    aliyunTemplateCode: optionalText,
    publishedSubject: optionalText,
    publishedBody: optionalText,
    publishedVariables: { type: 'json', nullable: true },
    publishedAliyunTemplateCode: optionalText,
    publishedAt: optionalTimestamp,
    version: { type: 'integer' },
    createdAt: timestamp,
    updatedAt: timestamp,
  },
});

export const MessageSchema = new EntitySchema<MessageRecord>({
  name: 'Message',
  tableName: 'messages',
  properties: {
    id: { ...text, primary: true },
    merchantId: optionalText,
    livemode: { type: 'boolean' },
    template: text,
    channel: { type: 'text' },
    recipient: optionalText,
    locale: { type: 'text' },
    objectId: text,
    customerId: optionalText,
    idempotencyKey: text,
    variablesEncrypted: text,
    templateVersion: { type: 'integer', nullable: true },
    templateContent: { type: 'json', nullable: true },
    subject: optionalText,
    body: optionalText,
    messageAccountId: optionalText,
    providerMessageId: optionalText,
    status: { type: 'text' },
    failureCode: optionalText,
    failureMessage: optionalText,
    attemptCount: { type: 'integer' },
    createdAt: timestamp,
    sentAt: optionalTimestamp,
    deliveredAt: optionalTimestamp,
    updatedAt: timestamp,
  },
});

/** A CSV export of a merchant's payments; the file is in `payment_export_chunks`. */
export interface PaymentExportRow {
  id: string;
  merchantId: string;
  livemode: boolean;
  status: PaymentExportStatus;
  filters: PaymentFilters;
  rowCount: number;
  failureReason: string | null;
  createdAt: Date;
  completedAt: Date | null;
}

export const PaymentExportSchema = new EntitySchema<PaymentExportRow>({
  name: 'PaymentExport',
  tableName: 'payment_exports',
  properties: {
    id: { ...text, primary: true },
    merchantId: text,
    livemode: { type: 'boolean' },
    status: { type: 'text' },
    filters: { type: 'json' },
    rowCount: { type: 'integer' },
    failureReason: optionalText,
    createdAt: timestamp,
    completedAt: optionalTimestamp,
  },
});

export const ALL_SCHEMAS = [
  MerchantSchema,
  ...TEAM_SCHEMAS,
  ApiKeySchema,
  ProviderAccountSchema,
  ChannelRouteSchema,
  PaymentSchema,
  RefundSchema,
  EventSchema,
  ...WEBHOOK_SCHEMAS,
  CheckoutSessionSchema,
  CustomerSchema,
  MessageTemplateSchema,
  MessageSchema,
  PaymentExportSchema,
];
