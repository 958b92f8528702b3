import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { PaymentDraft, PaymentStatus } from '../domain/payment';
import type { ProviderTrade } from '../activities/providers/provider';

export interface PaymentWorkflowInput {
  draft: PaymentDraft;
  /**
   * Divides every timer (polling, expiry). 1 in production; tests run faster with e.g. 60.
   * Part of the input, not read from the environment, so replays see the same value.
   */
  timeScale: number;
}

export interface PaymentView {
  id: string;
  status: PaymentStatus;
  failureCode: string | null;
  failureMessage: string | null;
}

/** Sent with update-with-start: answers once the provider order exists (or failed to). */
export const createPaymentUpdate = defineUpdate<PaymentView>('createPayment');

/** The merchant cancels: the order is closed at the provider. Rejected once the payment succeeded. */
export const cancelPaymentUpdate = defineUpdate<PaymentView>('cancelPayment');

/** A provider notification, already verified by the API (signature, account, amount). */
export const providerNotificationSignal = defineSignal<[ProviderTrade]>('providerNotification');

export const paymentStatusQuery = defineQuery<PaymentView>('paymentStatus');

/** ApplicationFailure types the API maps to HTTP answers. */
export const FAILURE_TYPES = {
  merchantOrderNoTaken: 'MerchantOrderNoTakenError',
  paymentAlreadySucceeded: 'PaymentAlreadySucceededError',
} as const;
