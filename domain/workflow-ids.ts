// Every workflow's id, in one place: the API, the workflows and the activities name workflows by
// them, and support staff find workflows by them in the Web UI.

export function paymentWorkflowId(paymentId: string): string {
  return `payment/${paymentId}`;
}

export function refundWorkflowId(refundId: string): string {
  return `refund/${refundId}`;
}

/** One workflow per event and endpoint; support finds them with `WorkflowId STARTS_WITH "webhook/evt_…"`. */
export function webhookDeliveryWorkflowId(eventId: string, webhookEndpointId: string): string {
  return `webhook/${eventId}/${webhookEndpointId}`;
}

/** A provider account's daily schedule, and the id its runs start from (Temporal appends the time). */
export function reconciliationScheduleId(providerAccountId: string): string {
  return `reconcile/${providerAccountId}`;
}

/** A reconciliation an admin starts for one day. */
export function reconciliationWorkflowId(providerAccountId: string, date: string): string {
  return `${reconciliationScheduleId(providerAccountId)}/${date}`;
}

/** One workflow per SMS or e-mail. */
export function messageWorkflowId(messageId: string): string {
  return `message/${messageId}`;
}

/** One workflow per CSV export of a merchant's payments. */
export function paymentExportWorkflowId(exportId: string): string {
  return `payment-export/${exportId}`;
}
