// The worker bundles this file: every workflow the worker runs is exported here.
export { paymentWorkflow } from './payment.workflow';
export { refundWorkflow } from './refund.workflow';
export { webhookDeliveryWorkflow } from './webhook-delivery.workflow';
export { reconciliationWorkflow } from './reconciliation.workflow';
export { purgeWorkflow } from './purge.workflow';
export { paymentChecksWorkflow } from './payment-checks.workflow';
export { messageWorkflow } from './message.workflow';
export { paymentExportWorkflow } from './payment-export.workflow';
