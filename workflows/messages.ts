import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { PaymentDraft, PaymentStatus } from '../domain/payment';
import { PROVIDER_QUERIED_SIGNAL } from '../domain/payment-checks';
import type { ProviderRefund, ProviderTrade } from '../domain/provider-reports';
import type { RefundDraft, RefundStatus } from '../domain/refund';

export interface PaymentWorkflowInput {
  draft: PaymentDraft;
  /**
   * Divides every timer (polling, expiry). 1 in production; tests run faster with e.g. 60.
   * Part of the input, not read from the environment, so replays see the same value.
   */
  timeScale: number;
  /** For the refund of a payment completed after it was closed; see RefundWorkflowInput. */
  refundAttentionAfterSeconds: number;
  /** Set when the payment's previous run ended to keep its history short: where it goes on from. */
  continued?: ContinuedPayment;
}

/**
 * A payment still open when its run's history grew long (workflows/continue-as-new.ts): its state,
 * as the next run starts from it. Times are workflow times (ms since the epoch), at the same time scale.
 */
export interface ContinuedPayment {
  status: PaymentStatus;
  failureCode: string | null;
  failureMessage: string | null;
  /** Whether the merchant asked to cancel: the order is closed as canceled, never as expired. */
  cancelRequested: boolean;
  /** When the order is closed (again) at expiry. */
  closeAt: number;
  /** How far the polls' backoff is, and when the next poll is due. */
  polls: { index: number; nextAt: number };
  /** Closes that left the payment open, and when a cancel's close is tried again. */
  reclosing: { count: number; cancelAt: number };
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

/** The provider's news about the trade, found by the open payments' sweep (domain/payment-checks.ts). */
export const providerQueriedSignal = defineSignal<[ProviderTrade]>(PROVIDER_QUERIED_SIGNAL);

export const paymentStatusQuery = defineQuery<PaymentView>('paymentStatus');

export interface RefundWorkflowInput {
  draft: RefundDraft;
  /** Divides every timer, like the payment workflow's. */
  timeScale: number;
  /** How long the provider has to settle the refund before it needs an admin's attention. */
  attentionAfterSeconds: number;
  /**
   * Set when an admin canceled the refund and the provider settled it after all: the workflow
   * starts again from `canceled`, puts the refund back in front of an admin and follows it.
   */
  reopened?: ReopenedRefund;
  /** Set when the refund's previous run ended to keep its history short: where it goes on from. */
  continued?: ContinuedRefund;
}

/**
 * A refund still open when its run's history grew long (workflows/continue-as-new.ts): its state,
 * as the next run starts from it. Times are workflow times (ms since the epoch), at the same time scale.
 */
export interface ContinuedRefund {
  status: RefundStatus;
  amount: number | null;
  failureReason: string | null;
  attempt: number;
  /** When the provider must have settled the current attempt. */
  deadline: number;
  /** How far the polls' backoff is, and when the next poll is due. */
  polls: { index: number; nextAt: number };
}

/** A canceled refund the provider reported as refunded: what its new run starts from. */
export interface ReopenedRefund {
  /** The refund's amount, as it was opened. */
  amount: number;
  /** The last attempt recorded; the reopening is the next one. */
  attempt: number;
  /** Why it is back, for the admin. */
  reason: string;
}

export interface RefundView {
  id: string;
  status: RefundStatus;
  /** Null until the refund is opened (a draft without an amount refunds what remains). */
  amount: number | null;
  failureReason: string | null;
}

/** Sent with update-with-start: answers once the refund is stored and the provider answered its first request. */
export const createRefundUpdate = defineUpdate<RefundView>('createRefund');

/** An admin asks the provider again (same refund number, so never twice); only for `requires_attention`. */
export const retryRefundUpdate = defineUpdate<RefundView>('retryRefund');

/** A provider's refund notification, already verified by the API. */
/**
 * An admin gives up on a refund that requires attention. Only a refund the provider never took can
 * be canceled (its amount may then be refunded again); the workflow asks the provider first.
 */
export const cancelRefundUpdate = defineUpdate<RefundView>('cancelRefund');

export const providerRefundSignal = defineSignal<[ProviderRefund]>('providerRefund');

export const refundStatusQuery = defineQuery<RefundView>('refundStatus');

/** A merchant's resend reaching a running delivery: attempt now, whatever the backoff says. */
export const resendWebhookSignal = defineSignal('resendWebhook');
