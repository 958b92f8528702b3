import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { isFinalRefundStatus, type RefundDraft, type RefundRecord, type RefundStatus } from '../domain/refund';
import { latePaymentRefundDraft, newRefundDraft } from '../domain/refund-draft';
import { PaymentSchema, RefundSchema } from '../db/entities';
import { refundWorkflowId } from '../domain/workflow-ids';
import {
  cancelRefundUpdate,
  createRefundUpdate,
  retryRefundUpdate,
  type RefundWorkflowInput,
} from '../workflows/messages';
import { REFUND_FAILURE_TYPES } from '../domain/failures';
import type { refundWorkflow } from '../workflows/refund.workflow';
import type { ApiDeps } from './deps';
import { withDeadline } from './deadline';
import {
  AppError,
  ConflictError,
  InvalidRequestError,
  NotFoundError,
  NothingDoneError,
  StillRunningError,
} from './errors';
import { paginate, unknownCursor, type Page } from './pagination';
import type { Merchant } from './payments.service';
import type { IdempotentRequest } from './request-context';

export interface CreateRefundParams {
  payment: string;
  amount?: number;
  reason?: string;
  metadata: Record<string, string>;
}

export interface ListRefundsParams {
  limit: number;
  starting_after?: string;
  payment?: string;
  status?: RefundStatus;
  /** Inclusive bounds of `created_at`, ISO 8601. */
  createdGte?: string;
  createdLte?: string;
  /** Admin lists only (every merchant's refunds): one merchant's, one mode's. */
  merchant?: string;
  livemode?: boolean;
  /** Admin lists only: one value matched exactly against the refund's id, out_refund_no and payment id. */
  q?: string;
}

/**
 * How long the merchant waits for the provider's first answer; after that the refund is
 * answered as it stands (stored, `pending`) and goes on in its workflow.
 */
const FIRST_ANSWER_WAIT_MS = 5_000;
/** After the first answer's wait, how often the API looks whether the refund is stored. */
const STORED_POLL_MS = 200;

export function createRefundsService(deps: ApiDeps) {
  const { db } = deps;

  function findStored(merchant: Merchant | null, id: string): Promise<RefundRecord | null> {
    const where = merchant ? { id, merchantId: merchant.id, livemode: merchant.livemode } : { id };
    return db.fork().findOne(RefundSchema, where);
  }

  async function find(merchant: Merchant | null, id: string): Promise<RefundRecord> {
    const refund = await findStored(merchant, id);
    if (!refund) throw new NotFoundError('refund', id);
    return refund;
  }

  /**
   * Starts the refund's workflow, or joins it when a retry with the same Idempotency-Key finds it
   * running, and answers the refund once the provider has answered its first request, or as it
   * stands (stored, `pending`) when the provider is slow. A refund that is not even stored in
   * its deadline (api/deadline.ts) is answered 503; the retry with the key reaches the same refund.
   */
  async function start(merchant: Merchant | null, draft: RefundDraft): Promise<RefundRecord> {
    const input: RefundWorkflowInput = {
      draft,
      timeScale: deps.config.timeScale,
      attentionAfterSeconds: deps.config.refundAttentionAfterSeconds,
    };
    const operation = new WithStartWorkflowOperation<typeof refundWorkflow>('refundWorkflow', {
      workflowId: refundWorkflowId(draft.id),
      taskQueue: deps.temporalSettings.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    const answered = withDeadline(
      deps,
      'createRefund',
      () => deps.temporal.workflow.executeUpdateWithStart(createRefundUpdate, { startWorkflowOperation: operation }),
      () =>
        new StillRunningError(
          'refund_creation_pending',
          `Refund ${draft.id} is still being created. Retrieve it with GET /v1/refunds/${draft.id}, or retry with the same Idempotency-Key.`,
        ),
    ).then(
      () => 'answered' as const,
      (error: unknown) => {
        // The key's refund has been through its whole life already: it is answered as it ended.
        if (error instanceof WorkflowExecutionAlreadyStartedError) return 'ended' as const;
        // Past the deadline: answered as it stands if it is stored, else 503 (below).
        if (error instanceof StillRunningError) return error;
        throw refundRefusal(error, draft.amountMinor) ?? error;
      },
    );
    // Once the refund is answered as it stands, a late rejection must not become unhandled.
    answered.catch(() => undefined);
    for (let wait = FIRST_ANSWER_WAIT_MS; ; wait = STORED_POLL_MS) {
      const outcome = await orAfter(answered, wait);
      if (outcome === 'answered') return find(merchant, draft.id);
      const stored = await findStored(merchant, draft.id);
      if (stored) return stored;
      if (outcome === 'ended') throw refusedEarlier(draft.id);
      if (outcome instanceof StillRunningError) throw outcome;
    }
  }

  /**
   * Hands an admin's retry or cancel to the refund's workflow, which carries it out, or refuses it
   * (only a refund that requires attention, one request at a time), and answers the refund after it.
   * With an Idempotency-Key the update's id is derived from the key: the request retried after a
   * 503 (or a lost answer) reaches the update the first one sent and answers its outcome, instead of
   * being refused because the refund has moved on since. Without one, a second request is a new one:
   * refused once the refund no longer requires attention, and the provider is asked once either way.
   */
  async function adminRequest(
    request: AdminRequestKind,
    id: string,
    idempotency: Pick<IdempotentRequest, 'key'> | null,
  ): Promise<RefundRecord> {
    const refund = await find(null, id);
    // A settled refund's workflow has ended; only a request with a key may still find its outcome there.
    if (isFinalRefundStatus(refund.status) && !idempotency) throw request.refused(refund.status);
    try {
      await withDeadline(
        deps,
        'adminRefundRequest',
        () =>
          deps.temporal.workflow.getHandle(refundWorkflowId(id)).executeUpdate(request.update, {
            updateId: idempotency ? `${request.action}/${idempotency.key}` : undefined,
          }),
        () => request.stillRunning(id),
      );
    } catch (error) {
      if (error instanceof AppError) throw error;
      const cause = error instanceof WorkflowUpdateFailedError ? error.cause : null;
      if (cause instanceof ApplicationFailure && cause.type === request.refusalType)
        throw new ConflictError(request.refusalCode, cause.message);
      // The workflow ended before a request with a key came, and holds no outcome for it.
      const current = await find(null, id);
      if (isFinalRefundStatus(current.status)) throw request.refused(current.status);
      throw error;
    }
    return find(null, id);
  }

  return {
    find,

    /**
     * `idempotency` is the merchant's Idempotency-Key, when the request has one: it holds the
     * refund's id, so that a retry (after a 503, or an answer lost on the way) reaches the same
     * refund and its workflow, and the money goes back once.
     */
    async create(
      merchant: Merchant,
      params: CreateRefundParams,
      idempotency: Pick<IdempotentRequest, 'objectId'> | null = null,
    ): Promise<RefundRecord> {
      const payment = await db.fork().findOne(PaymentSchema, {
        id: params.payment,
        merchantId: merchant.id,
        livemode: merchant.livemode,
      });
      if (!payment)
        throw new InvalidRequestError('resource_missing', `No such payment: '${params.payment}'`, 'payment');
      if (payment.status !== 'succeeded')
        throw notRefundable(`This payment is ${payment.status}; only a succeeded payment can be refunded.`);
      const draft = newRefundDraft(
        {
          merchantId: merchant.id,
          livemode: merchant.livemode,
          paymentId: payment.id,
          origin: 'merchant',
          amountMinor: params.amount ?? null,
          reason: params.reason ?? null,
          metadata: params.metadata,
        },
        idempotency ? await idempotency.objectId('refund') : undefined,
      );
      return start(merchant, draft);
    },

    /**
     * Gives the shopper's money back for a payment the provider completed after Tongbao had closed
     * it (expired, canceled, failed). Repeated notifications of the same late payment find nothing
     * left to refund and change nothing. Returns the refund, or null when one already covers it.
     */
    async refundLatePayment(paymentId: string): Promise<RefundRecord | null> {
      const draft = latePaymentRefundDraft(await db.fork().findOneOrFail(PaymentSchema, { id: paymentId }));
      try {
        return await start(null, draft);
      } catch (error) {
        if (error instanceof AppError && error.code === 'amount_too_large') return null;
        throw error;
      }
    },

    async list(merchant: Merchant | null, params: ListRefundsParams): Promise<Page<RefundRecord>> {
      const qb = db.fork().createQueryBuilder(RefundSchema, 'r');
      if (merchant) qb.where({ merchantId: merchant.id, livemode: merchant.livemode });
      if (params.payment) qb.andWhere({ paymentId: params.payment });
      if (params.status) qb.andWhere({ status: params.status });
      if (params.createdGte) qb.andWhere({ createdAt: { $gte: new Date(params.createdGte) } });
      if (params.createdLte) qb.andWhere({ createdAt: { $lte: new Date(params.createdLte) } });
      if (params.merchant) qb.andWhere({ merchantId: params.merchant });
      if (params.livemode !== undefined) qb.andWhere({ livemode: params.livemode });
      if (params.q) qb.andWhere({ $or: [{ id: params.q }, { outRefundNo: params.q }, { paymentId: params.q }] });
      return paginate(qb, params, (id) =>
        find(merchant, id).catch(() => {
          throw unknownCursor('refund', id);
        }),
      );
    },

    /** An admin asks the provider again for a refund that requires attention. */
    retry: (id: string, idempotency: Pick<IdempotentRequest, 'key'> | null = null) =>
      adminRequest(ADMIN_REQUESTS.retry, id, idempotency),

    /** An admin gives up on a refund that requires attention and that the provider never took. */
    cancel: (id: string, idempotency: Pick<IdempotentRequest, 'key'> | null = null) =>
      adminRequest(ADMIN_REQUESTS.cancel, id, idempotency),
  };
}

export type RefundsService = ReturnType<typeof createRefundsService>;

/** An admin's retry or cancel of a refund: the update that carries it out, and how the API answers it. */
interface AdminRequestKind {
  update: typeof retryRefundUpdate | typeof cancelRefundUpdate;
  /** The prefix of the update's id (the audit log names the request by api/staff-roles.ts). */
  action: 'refund.retried' | 'refund.canceled';
  refusalType: string;
  refusalCode: string;
  refused(status: RefundStatus): ConflictError;
  stillRunning(id: string): StillRunningError;
}

const ADMIN_REQUESTS = {
  retry: {
    update: retryRefundUpdate,
    action: 'refund.retried',
    refusalType: REFUND_FAILURE_TYPES.notRetryable,
    refusalCode: 'refund_not_retryable',
    refused: (status) =>
      new ConflictError(
        'refund_not_retryable',
        `This refund is ${status}; only a refund that requires attention can be retried.`,
      ),
    stillRunning: (id) =>
      new StillRunningError(
        'refund_retry_pending',
        `The provider has not answered yet; refund ${id} is being retried. Its status shows in GET /v1/admin/refunds.`,
      ),
  },
  cancel: {
    update: cancelRefundUpdate,
    action: 'refund.canceled',
    refusalType: REFUND_FAILURE_TYPES.notCancelable,
    refusalCode: 'refund_not_cancelable',
    refused: (status) =>
      new ConflictError(
        'refund_not_cancelable',
        `This refund is ${status}; only a refund that requires attention can be canceled.`,
      ),
    stillRunning: (id) =>
      new StillRunningError(
        'refund_cancel_pending',
        `The provider has not said yet whether it took refund ${id}; the cancel is being carried out. Retry it later.`,
      ),
  },
} satisfies Record<string, AdminRequestKind>;

/** `promise`'s value, or 'waited' when it has not settled within `ms`. */
async function orAfter<T>(promise: Promise<T>, ms: number): Promise<T | 'waited'> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<'waited'>((resolve) => {
    timer = setTimeout(() => resolve('waited'), ms);
  });
  try {
    return await Promise.race([promise, waited]);
  } finally {
    clearTimeout(timer);
  }
}

/** A retry with the key of a refund whose workflow refused it and ended (the first answer was lost). */
function refusedEarlier(id: string): ConflictError {
  return new ConflictError(
    'refund_refused',
    `Refund ${id}, first requested with this Idempotency-Key, was refused; nothing was refunded. Send a new request with a new key to try again.`,
  );
}

function notRefundable(message: string): ConflictError {
  return new ConflictError('payment_not_refundable', message, 'payment');
}

/** The workflow's refusal to open a refund, as the API answers it; null for anything else. */
function refundRefusal(error: unknown, requested: number | null): AppError | null {
  const cause = error instanceof WorkflowUpdateFailedError ? error.cause : null;
  if (!(cause instanceof ApplicationFailure)) return null;
  switch (cause.type) {
    case REFUND_FAILURE_TYPES.exceedsPayment:
      return new InvalidRequestError('amount_too_large', cause.message, requested === null ? 'payment' : 'amount');
    case REFUND_FAILURE_TYPES.paymentNotRefundable:
      return notRefundable(cause.message);
    case REFUND_FAILURE_TYPES.notOpened:
      return new NothingDoneError(
        'refund_not_stored',
        'The refund could not be stored; nothing was refunded. Retrying may help.',
      );
    default:
      return null;
  }
}
