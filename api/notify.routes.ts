import { Router, raw, type Request, type Response } from 'express';
import type { EntityManager } from '@mikro-orm/postgresql';
import { WorkflowNotFoundError } from '@temporalio/client';
import { PROVIDERS, type PaymentRecord, type ProviderName } from '../domain/payment';
import { PaymentSchema, RefundSchema } from '../db/entities';
import { loadProviderAccount } from '../db/provider-accounts.store';
import { NotificationRejectedError } from '../providers/errors';
import type { NotificationAck, PaymentProvider, RawNotification } from '../providers/provider';
import type { ProviderRefund, ProviderTrade } from '../domain/provider-reports';
import { providerFor } from '../providers/registry';
import { paymentWorkflowId, refundWorkflowId } from '../domain/workflow-ids';
import { providerNotificationSignal, providerRefundSignal } from '../workflows/messages';
import type { ApiDeps } from './deps';
import type { RefundsService } from './refunds.service';

/**
 * What became of a notification; every one is stored with its outcome (`provider_notifications`).
 * - `signaled`: handed to the payment's or refund's workflow.
 * - `refused`: forged, another account's, or an amount that does not match; the provider may send it again.
 * - `unknown_order`: verified, but for an order or refund Tongbao never made; acknowledged, kept for admins.
 * - `late`: for a payment or refund whose workflow has ended; acknowledged, nothing changes.
 * - `late_payment_refunded`: the provider says a payment Tongbao had closed was paid after all;
 *   the shopper's money is refunded automatically (README "Late and unknown notifications").
 */
type Outcome = 'signaled' | 'refused' | 'unknown_order' | 'late' | 'late_payment_refunded';

interface Recorded {
  outTradeNo?: string;
  outRefundNo?: string;
  paymentId?: string;
  reason?: string;
}

/**
 * `POST /notify/<provider>/:account`: verify (signature, account, amount), signal the payment's
 * or refund's workflow, and only then acknowledge, so that a notification Temporal did not accept
 * is sent again.
 */
export function notifyRoutes(deps: ApiDeps, refunds: RefundsService): Router {
  const router = Router();
  const em = (): EntityManager => deps.db.em.fork() as EntityManager;

  async function record(
    provider: ProviderName,
    accountId: string,
    body: Buffer,
    outcome: Outcome,
    details: Recorded,
  ): Promise<void> {
    await em().execute(
      `insert into provider_notifications (provider, provider_account_id, out_trade_no, out_refund_no, payment_id, outcome, reason, body) values (?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        provider,
        accountId,
        details.outTradeNo ?? null,
        details.outRefundNo ?? null,
        details.paymentId ?? null,
        outcome,
        details.reason ?? null,
        body.toString('utf8'),
      ],
    );
  }

  /** Signals a workflow; false when it has already ended. */
  async function signalIfRunning(send: () => Promise<void>): Promise<boolean> {
    try {
      await send();
      return true;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }

  async function paymentNotification(
    account: string,
    trade: ProviderTrade,
  ): Promise<{ outcome: Outcome; details: Recorded }> {
    const payment = await em().findOne(PaymentSchema, { outTradeNo: trade.outTradeNo, providerAccountId: account });
    if (!payment)
      return {
        outcome: 'unknown_order',
        details: { outTradeNo: trade.outTradeNo, reason: 'no payment with this order number' },
      };
    const details: Recorded = { outTradeNo: trade.outTradeNo, paymentId: payment.id };
    if (trade.amountMinor !== payment.amount) {
      return {
        outcome: 'refused',
        details: { ...details, reason: `amount ${trade.amountMinor} does not match the payment's ${payment.amount}` },
      };
    }
    if (
      await signalIfRunning(() =>
        deps.temporal.workflow.getHandle(paymentWorkflowId(payment.id)).signal(providerNotificationSignal, trade),
      )
    ) {
      return { outcome: 'signaled', details };
    }
    return lateTrade(payment, trade, details);
  }

  /**
   * The payment's workflow has ended, so its state is final. Only one late word matters: the
   * provider took the shopper's money for a payment we had closed. Then the money goes back.
   */
  async function lateTrade(
    payment: PaymentRecord,
    trade: ProviderTrade,
    details: Recorded,
  ): Promise<{ outcome: Outcome; details: Recorded }> {
    const paidAfterClosing = trade.status === 'succeeded' && payment.status !== 'succeeded';
    if (!paidAfterClosing)
      return {
        outcome: 'late',
        details: { ...details, reason: `payment is ${payment.status}; the provider says ${trade.status}` },
      };
    const refund = await refunds.refundLatePayment(payment.id);
    deps.logger.warn(
      { paymentId: payment.id, status: payment.status, refundId: refund?.id ?? null },
      'payment completed at the provider after it was closed; refunded',
    );
    return {
      outcome: 'late_payment_refunded',
      details: {
        ...details,
        reason: refund
          ? `paid after it was ${payment.status}; refunded by ${refund.id}`
          : `paid after it was ${payment.status}; already refunded`,
      },
    };
  }

  async function refundNotification(
    account: string,
    outTradeNo: string,
    reported: ProviderRefund,
  ): Promise<{ outcome: Outcome; details: Recorded }> {
    const refund = await em().findOne(RefundSchema, { outRefundNo: reported.outRefundNo });
    const payment = refund
      ? await em().findOne(PaymentSchema, { id: refund.paymentId, providerAccountId: account })
      : null;
    const base: Recorded = { outTradeNo, outRefundNo: reported.outRefundNo };
    if (!refund || !payment || payment.outTradeNo !== outTradeNo)
      return { outcome: 'unknown_order', details: { ...base, reason: 'no refund with this number for this order' } };
    const details: Recorded = { ...base, paymentId: payment.id };
    if (reported.amountMinor !== null && reported.amountMinor !== refund.amount) {
      return {
        outcome: 'refused',
        details: {
          ...details,
          reason: `refund amount ${reported.amountMinor} does not match the refund's ${refund.amount}`,
        },
      };
    }
    if (
      await signalIfRunning(() =>
        deps.temporal.workflow.getHandle(refundWorkflowId(refund.id)).signal(providerRefundSignal, reported),
      )
    ) {
      return { outcome: 'signaled', details };
    }
    return {
      outcome: 'late',
      details: { ...details, reason: `refund is ${refund.status}; the provider says ${reported.status}` },
    };
  }

  function answer(res: Response, ack: NotificationAck): void {
    res.status(ack.status).type(ack.contentType).send(ack.body);
  }

  router.post('/:provider/:account', raw({ type: () => true, limit: '256kb' }), async (req: Request, res: Response) => {
    const providerName = String(req.params.provider) as ProviderName;
    const accountId = String(req.params.account);
    const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const account = PROVIDERS.includes(providerName)
      ? await loadProviderAccount(em(), deps.secretBox, accountId)
      : null;
    if (!account || account.provider !== providerName) {
      deps.logger.warn({ provider: providerName, accountId }, 'notification for an unknown provider account refused');
      res.status(404).type('text/plain').send('unknown account');
      return;
    }
    const provider: PaymentProvider = providerFor(account, { sandboxUrl: deps.config.sandboxUrl });
    const notification: RawNotification = {
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value]),
      ),
      rawBody: body,
      form: /application\/x-www-form-urlencoded/i.test(req.get('content-type') ?? '')
        ? Object.fromEntries(new URLSearchParams(body.toString('utf8')))
        : null,
    };

    let verified;
    try {
      verified = await provider.verifyNotification(notification);
    } catch (error) {
      if (!(error instanceof NotificationRejectedError)) throw error;
      deps.logger.warn({ provider: providerName, accountId, reason: error.message }, 'notification refused');
      await record(providerName, accountId, body, 'refused', { reason: error.message });
      return answer(res, provider.notificationAck('refused'));
    }

    const { outcome, details } =
      verified.kind === 'payment'
        ? await paymentNotification(account.id, verified.trade)
        : await refundNotification(account.id, verified.outTradeNo, verified.refund);
    if (outcome === 'refused' || outcome === 'unknown_order')
      deps.logger.warn({ provider: providerName, accountId, outcome, ...details }, 'notification not applied');
    await record(providerName, accountId, body, outcome, details);
    answer(res, provider.notificationAck(outcome === 'refused' ? 'refused' : 'accepted'));
  });

  return router;
}
