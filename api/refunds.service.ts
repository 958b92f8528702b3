import { WithStartWorkflowOperation, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { RefundDraft, RefundRecord, RefundStatus } from '../domain/refund';
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
import { AppError, ConflictError, InvalidRequestError, NotFoundError } from './errors';
import { paginate, unknownCursor, type Page } from './pagination';
import type { Merchant } from './payments.service';

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
}

/**
 * How long the merchant waits for the provider's first answer; after that the refund is
 * answered as it stands (stored, `pending`) and goes on in its workflow.
 */
const FIRST_ANSWER_WAIT_MS = 5_000;

export function createRefundsService(deps: ApiDeps) {
  const { db } = deps;

  async function find(merchant: Merchant | null, id: string): Promise<RefundRecord> {
    const where = merchant ? { id, merchantId: merchant.id, livemode: merchant.livemode } : { id };
    const refund = await db.fork().findOne(RefundSchema, where);
    if (!refund) throw new NotFoundError('refund', id);
    return refund;
  }

  /** The refund just started; it is stored within milliseconds, unless the worker is down. */
  async function findStarted(merchant: Merchant | null, id: string): Promise<RefundRecord> {
    try {
      return await find(merchant, id);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      throw new AppError(
        'api_error',
        'refund_creation_pending',
        `Refund ${id} is still being created. Retrieve it with GET /v1/refunds/${id}.`,
        null,
        { status: 503 },
      );
    }
  }

  /** Starts the refund's workflow and waits (a while) for the provider's first answer. */
  async function start(draft: RefundDraft): Promise<void> {
    const input: RefundWorkflowInput = {
      draft,
      timeScale: deps.config.timeScale,
      attentionAfterSeconds: deps.config.refundAttentionAfterSeconds,
    };
    const operation = new WithStartWorkflowOperation<typeof refundWorkflow>('refundWorkflow', {
      workflowId: refundWorkflowId(draft.id),
      taskQueue: deps.temporalSettings.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
    });
    const answered = deps.temporal.workflow.executeUpdateWithStart(createRefundUpdate, {
      startWorkflowOperation: operation,
    });
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<'waited'>((resolve) => {
      timer = setTimeout(() => resolve('waited'), FIRST_ANSWER_WAIT_MS);
    });
    try {
      // A slow provider only delays the refund's status: the workflow stored it long before.
      await Promise.race([answered, waited]);
    } catch (error) {
      throw refundRefusal(error, draft.amountMinor) ?? error;
    } finally {
      clearTimeout(timer);
    }
    // Keep a late rejection from becoming unhandled: it was answered above or is a slow provider.
    answered.catch(() => undefined);
  }

  return {
    find,

    async create(merchant: Merchant, params: CreateRefundParams): Promise<RefundRecord> {
      const payment = await db.fork().findOne(PaymentSchema, {
        id: params.payment,
        merchantId: merchant.id,
        livemode: merchant.livemode,
      });
      if (!payment)
        throw new InvalidRequestError('resource_missing', `No such payment: '${params.payment}'`, 'payment');
      if (payment.status !== 'succeeded')
        throw notRefundable(`This payment is ${payment.status}; only a succeeded payment can be refunded.`);
      const draft = newRefundDraft({
        merchantId: merchant.id,
        livemode: merchant.livemode,
        paymentId: payment.id,
        origin: 'merchant',
        amountMinor: params.amount ?? null,
        reason: params.reason ?? null,
        metadata: params.metadata,
      });
      await start(draft);
      return findStarted(merchant, draft.id);
    },

    /**
     * Gives the shopper's money back for a payment the provider completed after Tongbao had closed
     * it (expired, canceled, failed). Repeated notifications of the same late payment find nothing
     * left to refund and change nothing. Returns the refund, or null when one already covers it.
     */
    async refundLatePayment(paymentId: string): Promise<RefundRecord | null> {
      const draft = latePaymentRefundDraft(await db.fork().findOneOrFail(PaymentSchema, { id: paymentId }));
      try {
        await start(draft);
      } catch (error) {
        if (error instanceof AppError && error.code === 'amount_too_large') return null;
        throw error;
      }
      return findStarted(null, draft.id);
    },

    async list(merchant: Merchant | null, params: ListRefundsParams): Promise<Page<RefundRecord>> {
      const qb = db.fork().createQueryBuilder(RefundSchema, 'r');
      if (merchant) qb.where({ merchantId: merchant.id, livemode: merchant.livemode });
      if (params.payment) qb.andWhere({ paymentId: params.payment });
      if (params.status) qb.andWhere({ status: params.status });
      return paginate(qb, params, (id) =>
        find(merchant, id).catch(() => {
          throw unknownCursor('refund', id);
        }),
      );
    },

    /** An admin asks the provider again for a refund that requires attention. */
    async retry(id: string, audit: { requestId: string }): Promise<RefundRecord> {
      const refund = await find(null, id);
      if (refund.status !== 'requires_attention')
        throw new ConflictError(
          'refund_not_retryable',
          `This refund is ${refund.status}; only a refund that requires attention can be retried.`,
        );
      try {
        await deps.temporal.workflow.getHandle(refundWorkflowId(id)).executeUpdate(retryRefundUpdate);
      } catch (error) {
        const cause = error instanceof WorkflowUpdateFailedError ? error.cause : null;
        if (cause instanceof ApplicationFailure && cause.type === REFUND_FAILURE_TYPES.notRetryable)
          throw new ConflictError('refund_not_retryable', cause.message);
        throw error;
      }
      await db
        .fork()
        .execute(
          `insert into audit_log (actor, action, object_id, details, request_id) values ('admin', 'refund.retried', ?, '{}', ?)`,
          [id, audit.requestId],
        );
      return find(null, id);
    },

    /** An admin gives up on a refund that requires attention and that the provider never took. */
    async cancel(id: string, audit: { requestId: string }): Promise<RefundRecord> {
      const refund = await find(null, id);
      if (refund.status !== 'requires_attention')
        throw new ConflictError(
          'refund_not_cancelable',
          `This refund is ${refund.status}; only a refund that requires attention can be canceled.`,
        );
      try {
        await deps.temporal.workflow.getHandle(refundWorkflowId(id)).executeUpdate(cancelRefundUpdate);
      } catch (error) {
        const cause = error instanceof WorkflowUpdateFailedError ? error.cause : null;
        if (cause instanceof ApplicationFailure && cause.type === REFUND_FAILURE_TYPES.notCancelable)
          throw new ConflictError('refund_not_cancelable', cause.message);
        throw error;
      }
      await db
        .fork()
        .execute(
          `insert into audit_log (actor, action, object_id, details, request_id) values ('admin', 'refund.canceled', ?, '{}', ?)`,
          [id, audit.requestId],
        );
      return find(null, id);
    },
  };
}

export type RefundsService = ReturnType<typeof createRefundsService>;

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
      return new AppError(
        'api_error',
        'refund_not_stored',
        'The refund could not be stored; nothing was refunded. Retrying may help.',
        null,
        { status: 503 },
      );
    default:
      return null;
  }
}
