import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { CHECKOUT_LOCALES } from '../domain/checkout-session';
import { normalizeEmail, normalizePhone, toCustomerObject } from '../domain/customer';
import { CHANNELS } from '../domain/payment';
import type { CustomersService } from './customers.service';
import { listObject } from './pagination';
import { merchantOf } from './request-context';
import { sendJson } from './respond';
import { listQuerySchema, parse, text, withoutControlCharacters, pathId } from './validation';

// API.md "Customers": Stripe's shape. E-mail addresses and phone numbers are stored normalised
// (domain/customer.ts), so that a lookup by either finds the customer however it was typed.

// Surrounding spaces, as pasted addresses have, are dropped before the address is checked.
const email = z
  .string()
  .trim()
  .pipe(withoutControlCharacters(z.email()).max(254))
  .transform((value) => normalizeEmail(value));

const PHONE_MESSAGE = 'must be a phone number with its country code (+86 138 0013 8000), or a mainland mobile number';
const phone = text()
  .max(32)
  .transform((value, ctx) => {
    const normalized = normalizePhone(value);
    if (normalized === null) {
      ctx.addIssue({ code: 'custom', message: PHONE_MESSAGE, input: value });
      return z.NEVER;
    }
    return normalized;
  });

/** A customer's e-mail address and phone, as the hosted checkout's details section takes them too. */
export { email as customerEmailSchema, phone as customerPhoneSchema };

const addressPart = (max: number) => text().trim().min(1).max(max).optional();

const shippingAddress = z.strictObject({
  name: addressPart(256),
  phone: phone.optional(),
  line1: addressPart(256),
  line2: addressPart(256),
  district: addressPart(128),
  city: addressPart(128),
  state: addressPart(128),
  postal_code: text()
    .regex(/^[0-9A-Za-z -]{2,16}$/, 'letters, digits, spaces and hyphens, 2 to 16')
    .optional(),
  country: text()
    .regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code, upper case (CN)')
    .optional(),
});

/** A string → string map of at most 20 keys; a value "" removes the key (on update) or is ignored (on create). */
const metadata = z
  .record(text().min(1).max(40), text('free_text').max(500))
  .refine((value) => Object.keys(value).length <= 20, { message: 'at most 20 keys' });

const fields = {
  email,
  phone,
  name: text().trim().min(1).max(256),
  locale: z.enum(CHECKOUT_LOCALES),
  shipping_address: shippingAddress,
  preferred_channel: z.enum(CHANNELS),
};

export const createCustomerSchema = z.strictObject({
  email: fields.email.optional(),
  phone: fields.phone.optional(),
  name: fields.name.optional(),
  locale: fields.locale.optional(),
  shipping_address: fields.shipping_address.optional(),
  preferred_channel: fields.preferred_channel.optional(),
  metadata: metadata.default({}),
});

/** Every field optional; null clears one. */
export const updateCustomerSchema = z.strictObject({
  email: fields.email.nullable().optional(),
  phone: fields.phone.nullable().optional(),
  name: fields.name.nullable().optional(),
  locale: fields.locale.nullable().optional(),
  shipping_address: fields.shipping_address.nullable().optional(),
  preferred_channel: fields.preferred_channel.nullable().optional(),
  metadata: metadata.optional(),
});

export const listCustomersSchema = z.strictObject({
  ...listQuerySchema,
  email: fields.email.optional(),
  phone: fields.phone.optional(),
});

const customerId = (req: Request): string => pathId(req, 'cus', 'customer');

export function customersRoutes(customers: CustomersService): Router {
  const router = Router();

  router.post('/customers', async (req: Request, res: Response) => {
    const params = parse(createCustomerSchema, req.body);
    await sendJson(req, res, 201, toCustomerObject(await customers.create(merchantOf(req), params)));
  });

  router.get('/customers', async (req: Request, res: Response) => {
    const query = parse(listCustomersSchema, req.query, 'query');
    const { data, hasMore } = await customers.list(merchantOf(req), query);
    await sendJson(req, res, 200, listObject('/v1/customers', data.map(toCustomerObject), hasMore));
  });

  router.get('/customers/:id', async (req: Request, res: Response) => {
    await sendJson(req, res, 200, toCustomerObject(await customers.find(merchantOf(req), customerId(req))));
  });

  router.post('/customers/:id', async (req: Request, res: Response) => {
    const id = customerId(req);
    const params = parse(updateCustomerSchema, req.body);
    await sendJson(req, res, 200, toCustomerObject(await customers.update(merchantOf(req), id, params)));
  });

  router.delete('/customers/:id', async (req: Request, res: Response) => {
    await sendJson(req, res, 200, toCustomerObject(await customers.erase(merchantOf(req), customerId(req))));
  });

  return router;
}
