import type { CustomerRecord } from '../domain/customer';
import { normalizeEmail, normalizePhone } from '../domain/customer';
import type { PaymentRecord } from '../domain/payment';
import { CustomerSchema } from '../db/entities';
import type { CustomersService } from './customers.service';
import type { ApiDeps } from './deps';
import { NotFoundError } from './errors';
import { paginate, unknownCursor, type Page } from './pagination';
import type { PaymentsService } from './payments.service';

export interface AdminListCustomersParams {
  limit: number;
  starting_after?: string;
  merchant?: string;
  livemode?: boolean;
  email?: string;
  phone?: string;
  /**
   * What support staff paste: an exact customer id, e-mail address or phone number (each as the
   * customers list normalises it), or the beginning of a name (any case).
   */
  q?: string;
}

/** How many of a customer's payments its admin page shows (the latest). */
export const CUSTOMER_PAYMENTS_SHOWN = 20;

/**
 * End users across merchants, for requests made to the platform (find a person, erase them). The
 * merchant API's service does the work on the customer's own merchant and mode: an admin's erase is
 * the merchant's erase, answered the same.
 */
export function createAdminCustomersService(deps: ApiDeps, customers: CustomersService, payments: PaymentsService) {
  async function find(id: string): Promise<CustomerRecord> {
    const customer = await deps.db.fork().findOne(CustomerSchema, { id });
    if (!customer) throw new NotFoundError('customer', id);
    return customer;
  }
  const merchantOf = (customer: CustomerRecord) => ({ id: customer.merchantId, livemode: customer.livemode });

  return {
    find,

    /**
     * Customers not erased, newest first. An e-mail address, a phone number or an id is found by
     * its index (customers_email_any, customers_phone_any, the primary key); a name's beginning
     * is looked for along the newest-first index until a page is found.
     */
    async list(params: AdminListCustomersParams): Promise<Page<CustomerRecord>> {
      const qb = deps.db.fork().createQueryBuilder(CustomerSchema, 'c').where({ erasedAt: null });
      if (params.merchant) qb.andWhere({ merchantId: params.merchant });
      if (params.livemode !== undefined) qb.andWhere({ livemode: params.livemode });
      if (params.email) qb.andWhere({ email: params.email });
      if (params.phone) qb.andWhere({ phone: params.phone });
      if (params.q) {
        const phone = normalizePhone(params.q);
        const namePrefix = `${params.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        qb.andWhere(`(c.id = ? or c.email = ? or c.phone = ? or lower(c.name) like ?)`, [
          params.q,
          normalizeEmail(params.q),
          phone ?? params.q,
          namePrefix,
        ]);
      }
      return paginate(qb, params, (id) =>
        find(id).catch(() => {
          throw unknownCursor('customer', id);
        }),
      );
    },

    /** The customer (erased or not) and their latest payments, in the customer's merchant and mode. */
    async withPayments(id: string): Promise<{ customer: CustomerRecord; payments: Page<PaymentRecord> }> {
      const customer = await find(id);
      const page = await payments.list(merchantOf(customer), {
        limit: CUSTOMER_PAYMENTS_SHOWN,
        filters: { customer: customer.id },
      });
      return { customer, payments: page };
    },

    /** Erases the customer's personal data on their request, as their merchant's erase does. */
    async erase(id: string): Promise<CustomerRecord> {
      const customer = await find(id);
      return customers.erase(merchantOf(customer), customer.id);
    },
  };
}

export type AdminCustomersService = ReturnType<typeof createAdminCustomersService>;
