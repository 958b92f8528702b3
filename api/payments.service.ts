import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { newId } from '../domain/ids';
import {
  isTerminal,
  outTradeNoFor,
  providerOf,
  type Channel,
  type PaymentDraft,
  type PaymentRecord,
  type PaymentStatus,
} from '../domain/payment';
import { PaymentSchema } from '../db/entities';
import { paymentFilterSql } from '../db/payment-filters';
import type { PaymentFilters } from '../domain/payment-filters';
import { isProviderAvailable } from '../providers/registry';
import { paymentWorkflowId } from '../domain/workflow-ids';
import {
  cancelPaymentUpdate,
  createPaymentUpdate,
  type PaymentView,
  type PaymentWorkflowInput,
} from '../workflows/messages';
import { FAILURE_TYPES } from '../domain/failures';
import type { paymentWorkflow } from '../workflows/payment.workflow';
import type { ApiDeps } from './deps';
import { withDeadline } from './deadline';
import { ConflictError, InvalidRequestError, NotFoundError, StillRunningError } from './errors';
import { paginate, unknownCursor, type Page } from './pagination';
import { CUSTOMER_USABLE_SQL, customerNotFound } from './customers.service';
import type { IdempotentRequest } from './request-context';

export interface Merchant {
  id: string;
  livemode: boolean;
}

export interface CreatePaymentParams {
  amount: number;
  currency: 'CNY';
  channel: Channel;
  description: string;
  merchant_order_no?: string;
  customer?: string;
  return_url?: string;
  expires_in: number;
  openid?: string;
  client_ip?: string;
  metadata: Record<string, string>;
}

export interface ListPaymentsParams {
  limit: number;
  starting_after?: string;
  filters: PaymentFilters;
  /** Admin lists only (every merchant's payments): one merchant's, one mode's. */
  merchant?: string;
  livemode?: boolean;
}

export function createPaymentsService(deps: ApiDeps) {
  const { db } = deps;
  const client: Client = deps.temporal;

  async function find(merchant: Merchant | null, id: string): Promise<PaymentRecord> {
    const where = merchant ? { id, merchantId: merchant.id, livemode: merchant.livemode } : { id };
    const payment = await db.fork().findOne(PaymentSchema, where);
    if (!payment) throw new NotFoundError('payment', id);
    return payment;
  }

  /**
   * A payment whose workflow ended before a retry with its key came: stored, unless the workflow
   * refused it (its merchant_order_no was taken), which is the only way a payment's workflow ends unstored.
   */
  async function findEnded(merchant: Merchant, draft: PaymentDraft): Promise<PaymentRecord> {
    try {
      return await find(merchant, draft.id);
    } catch (error) {
      if (error instanceof NotFoundError) throw merchantOrderNoTaken(draft.merchantOrderNo);
      throw error;
    }
  }

  return {
    find,

    /**
     * `checkout` is set when the shopper pays on the hosted checkout page. `idempotency` is the
     * merchant's Idempotency-Key, when the request has one: it holds the payment's id, so that a
     * retry (after a 503, or an answer lost on the way) reaches the same payment and its workflow.
     */
    async create(
      merchant: Merchant,
      params: CreatePaymentParams,
      checkout: { sessionId: string; url: string } | null = null,
      idempotency: Pick<IdempotentRequest, 'objectId'> | null = null,
    ): Promise<PaymentRecord> {
      const provider = providerOf(params.channel);
      if (!isProviderAvailable(provider)) {
        throw new InvalidRequestError(
          'channel_unavailable',
          `The channel ${params.channel} is not available yet.`,
          'channel',
        );
      }
      // The route and the key's payment id do not depend on each other: one round trip's wait,
      // not two. A missing route is answered first, as when they were read one after the other
      // (the id bound to the key meanwhile goes with the key, which a 400 does not keep). The route
      // is a plain query: the ORM's findOne cost as much CPU as the query itself, on every create.
      // A customer the merchant names is checked in the same query (its primary key), so naming
      // one costs no round trip; a payment of the hosted checkout takes its session's customer,
      // checked when the session was made (erasing it since must not stop the shopper paying).
      const customer = checkout ? null : (params.customer ?? null);
      const [routeFound, idBound] = await Promise.allSettled([
        customer
          ? db
              .fork()
              .execute<{ providerAccountId: string | null; customerUsable: boolean }[]>(
                `select (select provider_account_id from channel_routes where merchant_id = ? and livemode = ? and channel = ?) as "providerAccountId", ${CUSTOMER_USABLE_SQL} as "customerUsable"`,
                [merchant.id, merchant.livemode, params.channel, customer, merchant.id, merchant.livemode],
              )
          : db
              .fork()
              .execute<{ providerAccountId: string | null; customerUsable?: boolean }[]>(
                `select provider_account_id as "providerAccountId" from channel_routes where merchant_id = ? and livemode = ? and channel = ?`,
                [merchant.id, merchant.livemode, params.channel],
              ),
        idempotency ? idempotency.objectId('payment') : newId('payment'),
      ]);
      if (routeFound.status === 'rejected') throw routeFound.reason;
      const [route] = routeFound.value;
      // The route's account exists (a foreign key says so): only its id is needed.
      if (!route?.providerAccountId) {
        throw new InvalidRequestError(
          'channel_not_configured',
          `The channel ${params.channel} is not configured for this merchant in ${merchant.livemode ? 'live' : 'test'} mode.`,
          'channel',
        );
      }
      if (customer && !route.customerUsable) throw customerNotFound(customer);
      if (idBound.status === 'rejected') throw idBound.reason;
      const id = idBound.value;
      if (
        params.merchant_order_no &&
        (await db.fork().count(PaymentSchema, {
          id: { $ne: id },
          merchantId: merchant.id,
          livemode: merchant.livemode,
          merchantOrderNo: params.merchant_order_no,
        }))
      ) {
        throw merchantOrderNoTaken(params.merchant_order_no);
      }

      const now = new Date();
      const draft: PaymentDraft = {
        id,
        merchantId: merchant.id,
        livemode: merchant.livemode,
        providerAccountId: route.providerAccountId,
        provider,
        channel: params.channel,
        amountMinor: params.amount,
        currency: params.currency,
        description: params.description,
        merchantOrderNo: params.merchant_order_no ?? null,
        customerId: params.customer ?? null,
        returnUrl: params.return_url ?? null,
        openid: params.openid ?? null,
        clientIp: params.client_ip ?? null,
        metadata: params.metadata,
        outTradeNo: outTradeNoFor(id),
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + params.expires_in * 1000).toISOString(),
        checkoutSessionId: checkout?.sessionId ?? null,
        checkoutUrl: checkout?.url ?? null,
      };
      const input: PaymentWorkflowInput = {
        draft,
        timeScale: deps.config.timeScale,
        refundAttentionAfterSeconds: deps.config.refundAttentionAfterSeconds,
      };
      // A retry with the same key joins the workflow the first request started (its draft is
      // ignored); a workflow that has ended is never started again.
      const start = new WithStartWorkflowOperation<typeof paymentWorkflow>('paymentWorkflow', {
        workflowId: paymentWorkflowId(id),
        taskQueue: deps.temporalSettings.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
      try {
        await withDeadline(
          deps,
          'createPayment',
          () => client.workflow.executeUpdateWithStart(createPaymentUpdate, { startWorkflowOperation: start }),
          () =>
            new StillRunningError(
              'payment_creation_pending',
              `The provider did not answer in time; payment ${id} is still being created. Retrieve it with GET /v1/payments/${id}, or retry with the same Idempotency-Key.`,
            ),
        );
      } catch (error) {
        const cause = error instanceof WorkflowUpdateFailedError ? error.cause : null;
        if (cause instanceof ApplicationFailure && cause.type === FAILURE_TYPES.merchantOrderNoTaken)
          throw merchantOrderNoTaken(draft.merchantOrderNo);
        // The key's payment has been through its whole life already: it is answered as it ended.
        if (error instanceof WorkflowExecutionAlreadyStartedError) return findEnded(merchant, draft);
        throw error;
      }
      return find(merchant, id);
    },

    async list(merchant: Merchant | null, params: ListPaymentsParams): Promise<Page<PaymentRecord>> {
      const qb = db.fork().createQueryBuilder(PaymentSchema, 'p');
      if (merchant) qb.where({ merchantId: merchant.id, livemode: merchant.livemode });
      if (params.merchant) qb.andWhere({ merchantId: params.merchant });
      if (params.livemode !== undefined) qb.andWhere({ livemode: params.livemode });
      const filter = paymentFilterSql(qb.alias, params.filters);
      qb.andWhere(filter.sql, filter.params);
      return paginate(qb, params, (id) =>
        find(merchant, id).catch(() => {
          throw unknownCursor('payment', id);
        }),
      );
    },

    /** Closes an unpaid payment at the provider. 409 once it succeeded (or ended otherwise). */
    async cancel(merchant: Merchant, id: string): Promise<PaymentRecord> {
      const payment = await find(merchant, id);
      if (payment.status === 'canceled') return payment;
      if (isTerminal(payment.status)) throw notCancelable(payment.status);
      const stillCanceling = () =>
        new StillRunningError(
          'payment_cancel_pending',
          `The provider has not closed the order yet; payment ${id} is being canceled. Retrieve it with GET /v1/payments/${id}, or retry.`,
        );
      let view: PaymentView;
      try {
        view = await withDeadline(
          deps,
          'cancelPayment',
          () => client.workflow.getHandle(paymentWorkflowId(id)).executeUpdate(cancelPaymentUpdate),
          stillCanceling,
        );
      } catch (error) {
        const cause = error instanceof WorkflowUpdateFailedError ? error.cause : null;
        if (cause instanceof ApplicationFailure && cause.type === FAILURE_TYPES.paymentAlreadySucceeded)
          throw notCancelable('succeeded');
        // The workflow went on in a new run while the cancel waited there; the new run carries it on.
        if (cause instanceof ApplicationFailure && cause.type === FAILURE_TYPES.paymentCancelPending)
          throw stillCanceling();
        // The workflow ended while the cancel was on its way (another cancel, the shopper's
        // payment or expiry came first: "update aborted by closing workflow"); the row says how.
        if (error instanceof WorkflowNotFoundError) {
          const ended = await find(merchant, id);
          if (ended.status === 'canceled') return ended;
          if (isTerminal(ended.status)) throw notCancelable(ended.status);
          throw stillCanceling();
        }
        throw error;
      }
      if (view.status !== 'canceled') throw notCancelable(view.status);
      return find(merchant, id);
    },
  };
}

export type PaymentsService = ReturnType<typeof createPaymentsService>;

function merchantOrderNoTaken(merchantOrderNo: string | null): ConflictError {
  return new ConflictError(
    'merchant_order_no_taken',
    `A payment with merchant_order_no '${merchantOrderNo}' already exists.`,
    'merchant_order_no',
  );
}

function notCancelable(status: PaymentStatus): ConflictError {
  return status === 'succeeded'
    ? new ConflictError(
        'payment_already_succeeded',
        'This payment has already succeeded and cannot be canceled; refund it instead.',
      )
    : new ConflictError('payment_not_cancelable', `This payment is ${status} and cannot be canceled.`);
}
