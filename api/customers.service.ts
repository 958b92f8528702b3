import { LockMode } from '@mikro-orm/core';
import type { CheckoutLocale } from '../domain/checkout-session';
import type { CustomerRecord, ShippingAddress } from '../domain/customer';
import { newId } from '../domain/ids';
import type { Channel } from '../domain/payment';
import { CustomerSchema } from '../db/entities';
import type { ApiDeps } from './deps';
import { InvalidRequestError, NotFoundError } from './errors';
import { paginate, unknownCursor, type Page } from './pagination';
import type { Merchant } from './payments.service';

/** The personal fields, already normalised by the route (domain/customer.ts). */
interface CustomerFields {
  email?: string | null;
  phone?: string | null;
  name?: string | null;
  locale?: CheckoutLocale | null;
  shipping_address?: ShippingAddress | null;
  preferred_channel?: Channel | null;
}

export interface CreateCustomerParams extends CustomerFields {
  metadata: Record<string, string>;
}

/** Fields left out stay as they are; null clears one. `metadata` is merged: a key set to "" is removed. */
export interface UpdateCustomerParams extends CustomerFields {
  metadata?: Record<string, string>;
}

export interface ListCustomersParams {
  limit: number;
  starting_after?: string;
  email?: string;
  phone?: string;
}

/** As API.md allows for metadata: at most 20 keys, after a merge too. */
const MAX_METADATA_KEYS = 20;

export function createCustomersService(deps: ApiDeps) {
  const { db } = deps;

  /** The merchant's customer in the key's mode, erased or not; 404 for anyone else's. */
  async function find(merchant: Merchant, id: string, param = 'id'): Promise<CustomerRecord> {
    const customer = await db
      .fork()
      .findOne(CustomerSchema, { id, merchantId: merchant.id, livemode: merchant.livemode });
    if (!customer) throw new NotFoundError('customer', id, param);
    return customer;
  }

  return {
    find,

    async create(merchant: Merchant, params: CreateCustomerParams): Promise<CustomerRecord> {
      const now = new Date();
      const customer: CustomerRecord = {
        id: newId('customer'),
        merchantId: merchant.id,
        livemode: merchant.livemode,
        email: params.email ?? null,
        phone: params.phone ?? null,
        name: params.name ?? null,
        locale: params.locale ?? null,
        shippingAddress: params.shipping_address ?? null,
        preferredChannel: params.preferred_channel ?? null,
        // As Stripe: on create, a key set to "" is simply not set.
        metadata: withoutEmptyValues(params.metadata),
        createdAt: now,
        updatedAt: now,
        erasedAt: null,
      };
      await db.fork().insert(CustomerSchema, customer);
      return customer;
    },

    /** Customers not erased, newest first; `email` and `phone` come normalised. */
    async list(merchant: Merchant, params: ListCustomersParams): Promise<Page<CustomerRecord>> {
      const qb = db
        .fork()
        .createQueryBuilder(CustomerSchema, 'c')
        .where({ merchantId: merchant.id, livemode: merchant.livemode, erasedAt: null });
      if (params.email) qb.andWhere({ email: params.email });
      if (params.phone) qb.andWhere({ phone: params.phone });
      return paginate(qb, params, (id) =>
        find(merchant, id).catch(() => {
          throw unknownCursor('customer', id);
        }),
      );
    },

    /** Updates a customer; an erased one is gone for updates (404), as a deleted one is on Stripe. */
    async update(merchant: Merchant, id: string, params: UpdateCustomerParams): Promise<CustomerRecord> {
      return db.fork().transactional(async (tx) => {
        // The row lock keeps two concurrent metadata merges from losing one another's keys.
        const customer = await tx.findOne(
          CustomerSchema,
          { id, merchantId: merchant.id, livemode: merchant.livemode, erasedAt: null },
          { lockMode: LockMode.PESSIMISTIC_WRITE },
        );
        if (!customer) throw new NotFoundError('customer', id);
        if (params.email !== undefined) customer.email = params.email;
        if (params.phone !== undefined) customer.phone = params.phone;
        if (params.name !== undefined) customer.name = params.name;
        if (params.locale !== undefined) customer.locale = params.locale;
        if (params.shipping_address !== undefined) customer.shippingAddress = params.shipping_address;
        if (params.preferred_channel !== undefined) customer.preferredChannel = params.preferred_channel;
        if (params.metadata !== undefined) customer.metadata = mergeMetadata(customer.metadata, params.metadata);
        customer.updatedAt = new Date();
        await tx.flush();
        return customer;
      });
    },

    /**
     * Erases the customer's personal fields (metadata too: merchants put names and user ids there)
     * and keeps the row, so that its payments still name it. Erasing again answers the same.
     */
    async erase(merchant: Merchant, id: string): Promise<CustomerRecord> {
      const em = db.fork();
      await em.transactional(async (tx) => {
        await tx.nativeUpdate(
          CustomerSchema,
          { id, merchantId: merchant.id, livemode: merchant.livemode, erasedAt: null },
          {
            email: null,
            phone: null,
            name: null,
            locale: null,
            shippingAddress: null,
            preferredChannel: null,
            metadata: {},
            updatedAt: new Date(),
            erasedAt: new Date(),
          },
        );
        // The messages sent to them keep what they were about, not where they went.
        await tx.execute(
          `update messages set recipient = null, updated_at = now() where customer_id = ? and merchant_id = ?`,
          [id, merchant.id],
        );
        // The consent stays as the record of what was agreed and when; the address it came from goes.
        await tx.execute(`update customer_consents set ip = null where customer_id = ? and merchant_id = ?`, [
          id,
          merchant.id,
        ]);
        // Verifications only served the codes and their limits: an HMAC of the phone is still the phone.
        await tx.execute(`delete from customer_verifications where customer_id = ? and merchant_id = ?`, [
          id,
          merchant.id,
        ]);
      });
      return find(merchant, id);
    },
  };
}

export type CustomersService = ReturnType<typeof createCustomersService>;

/**
 * The check a payment or a checkout session makes of the `customer` it names: the merchant's, in
 * the key's mode, not erased. An erased customer cannot be named anew (Stripe answers "No such
 * customer" for a deleted one): its details are gone, and new payments must not be tied to a
 * person who asked to be forgotten. As SQL, so that a create can fold it into a query it makes anyway.
 */
export const CUSTOMER_USABLE_SQL = `exists (select 1 from customers where id = ? and merchant_id = ? and livemode = ? and erased_at is null)`;

export function customerNotFound(id: string): NotFoundError {
  return new NotFoundError('customer', id, 'customer');
}

function withoutEmptyValues(metadata: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata).filter(([, value]) => value !== ''));
}

function mergeMetadata(current: Record<string, string>, changes: Record<string, string>): Record<string, string> {
  const merged = { ...current };
  for (const [key, value] of Object.entries(changes)) {
    if (value === '') delete merged[key];
    else merged[key] = value;
  }
  if (Object.keys(merged).length > MAX_METADATA_KEYS)
    throw new InvalidRequestError(
      'parameter_invalid',
      `Invalid metadata: at most ${MAX_METADATA_KEYS} keys (the customer would have ${Object.keys(merged).length})`,
      'metadata',
    );
  return merged;
}
