import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { toCustomerObject, type CustomerRecord } from '../domain/customer';
import { adminScopeShape } from './admin-filters';
import type { AdminCustomersService } from './admin-customers.service';
import { toAdminPaymentObject } from './admin-transactions.routes';
import { customerEmailSchema, customerPhoneSchema } from './customers.routes';
import { listObject } from './pagination';
import { sendJson } from './respond';
import { listQuerySchema, parse, pathId, text } from './validation';

export const adminListCustomersSchema = z.strictObject({
  ...listQuerySchema,
  ...adminScopeShape,
  email: customerEmailSchema.optional(),
  phone: customerPhoneSchema.optional(),
  q: text().trim().min(1).max(256).optional().meta({
    description:
      'An exact customer id, e-mail address or phone number (normalised as the customers list does), or the beginning of a name (any case).',
  }),
});

/** A customer as admins see it: the merchant's object and whose it is. */
export function toAdminCustomerObject(customer: CustomerRecord) {
  return { ...toCustomerObject(customer), merchant: customer.merchantId };
}

const customerId = (req: Request): string => pathId(req, 'cus', 'customer');

/** End users across merchants: find them, see their payments, erase them on their request. */
export function adminCustomersRoutes(customers: AdminCustomersService): Router {
  const router = Router();

  router.get('/customers', async (req: Request, res: Response) => {
    const query = parse(adminListCustomersSchema, req.query, 'query');
    const { data, hasMore } = await customers.list(query);
    await sendJson(req, res, 200, listObject('/v1/admin/customers', data.map(toAdminCustomerObject), hasMore));
  });

  router.get('/customers/:id', async (req: Request, res: Response) => {
    const { customer, payments } = await customers.withPayments(customerId(req));
    await sendJson(req, res, 200, {
      ...toAdminCustomerObject(customer),
      payments: listObject(
        `/v1/admin/payments?customer=${customer.id}`,
        payments.data.map(toAdminPaymentObject),
        payments.hasMore,
      ),
    });
  });

  // As the merchant API's DELETE /v1/customers/:id: the personal fields erased, the row kept, `deleted: true`.
  // The answer names the merchant, and so does the audit entry of it (api/staff-access.ts).
  router.delete('/customers/:id', async (req: Request, res: Response) => {
    await sendJson(req, res, 200, toAdminCustomerObject(await customers.erase(customerId(req))));
  });

  return router;
}
