import type { Router } from 'express';
import { adminAuditLogRoutes } from './admin-audit-log.routes';
import { adminCustomersRoutes } from './admin-customers.routes';
import { createAdminCustomersService } from './admin-customers.service';
import { adminNotificationsRoutes } from './admin-notifications.routes';
import { createAdminNotificationsService } from './admin-notifications.service';
import { adminOverviewRoutes } from './admin-overview.routes';
import { createAdminOverviewService } from './admin-overview.service';
import { createAdminRefundsService } from './admin-refunds.service';
import { adminTransactionsRoutes } from './admin-transactions.routes';
import { createAuditLogService } from './audit-log.service';
import type { CustomersService } from './customers.service';
import type { ApiDeps } from './deps';
import { createPaymentTimelineService } from './payment-timeline.service';
import type { PaymentsService } from './payments.service';
import type { RefundsService } from './refunds.service';

/**
 * The admin console's operations (issue 14), mounted in `/v1/admin`'s chain: the overview and its
 * queues, transactions and refunds across merchants, provider notifications, end users, the audit log.
 */
export function adminOperationsRoutes(
  deps: ApiDeps,
  services: { payments: PaymentsService; refunds: RefundsService; customers: CustomersService },
): Router[] {
  const { payments, refunds, customers } = services;
  return [
    adminOverviewRoutes(createAdminOverviewService(deps)),
    adminTransactionsRoutes(
      payments,
      createPaymentTimelineService(deps, payments),
      refunds,
      createAdminRefundsService(deps),
    ),
    adminNotificationsRoutes(createAdminNotificationsService(deps)),
    adminCustomersRoutes(createAdminCustomersService(deps, customers, payments)),
    adminAuditLogRoutes(createAuditLogService(deps)),
  ];
}
