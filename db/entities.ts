import { BigIntType, EntitySchema } from '@mikro-orm/core';
import type { Channel, PaymentRecord, ProviderName } from '../domain/payment';

// Rows as the database holds them. The API shapes them into API.md's objects in api/serializers.ts.

export interface Merchant {
  id: string;
  name: string;
  email: string | null;
  createdAt: Date;
}

export interface ApiKey {
  id: string;
  merchantId: string;
  livemode: boolean;
  keyHash: string;
  redacted: string;
  createdAt: Date;
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

export interface EventRow {
  id: string;
  merchantId: string;
  livemode: boolean;
  type: string;
  objectId: string;
  data: Record<string, unknown>;
  createdAt: Date;
}

const text = { type: 'text' } as const;
const optionalText = { type: 'text', nullable: true } as const;
const money = { type: new BigIntType('number') } as const;
const timestamp = { type: 'datetime', columnType: 'timestamptz' } as const;
const optionalTimestamp = { ...timestamp, nullable: true } as const;

export const MerchantSchema = new EntitySchema<Merchant>({
  name: 'Merchant',
  tableName: 'merchants',
  properties: {
    id: { ...text, primary: true },
    name: text,
    email: optionalText,
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
    createdAt: { ...timestamp, onCreate: () => new Date() },
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

export const ALL_SCHEMAS = [MerchantSchema, ApiKeySchema, ProviderAccountSchema, ChannelRouteSchema, PaymentSchema, EventSchema];
