import { Router, raw, type Request, type Response } from 'express';
import type { EntityManager } from '@mikro-orm/postgresql';
import { WorkflowNotFoundError } from '@temporalio/client';
import { PROVIDERS, type ProviderName } from '../domain/payment';
import { PaymentSchema } from '../db/entities';
import { loadProviderAccount } from '../db/provider-accounts.store';
import { NotificationRejectedError } from '../activities/providers/errors';
import type { NotificationAck, PaymentProvider, RawNotification } from '../activities/providers/provider';
import { providerFor } from '../activities/providers/registry';
import { paymentWorkflowId } from '../temporal/config';
import { providerNotificationSignal } from '../workflows/messages';
import type { ApiDeps } from './deps';

type Outcome = 'signaled' | 'refused' | 'unknown_order' | 'late';

/**
 * `POST /notify/<provider>/:account`: verify (signature, account, amount), signal the payment's
 * workflow, and only then acknowledge, so that a notification Temporal did not accept is sent again.
 */
export function notifyRoutes(deps: ApiDeps): Router {
  const router = Router();
  const em = (): EntityManager => deps.db.em.fork() as EntityManager;

  async function record(provider: ProviderName, accountId: string, body: Buffer, outcome: Outcome, details: { outTradeNo?: string; paymentId?: string; reason?: string }) {
    await em().execute(
      `insert into provider_notifications (provider, provider_account_id, out_trade_no, payment_id, outcome, reason, body) values (?, ?, ?, ?, ?, ?, ?)`,
      [provider, accountId, details.outTradeNo ?? null, details.paymentId ?? null, outcome, details.reason ?? null, body.toString('utf8')],
    );
  }

  function answer(res: Response, ack: NotificationAck): void {
    res.status(ack.status).type(ack.contentType).send(ack.body);
  }

  router.post('/:provider/:account', raw({ type: () => true, limit: '256kb' }), async (req: Request, res: Response) => {
    const providerName = String(req.params.provider) as ProviderName;
    const accountId = String(req.params.account);
    const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const account = PROVIDERS.includes(providerName) ? await loadProviderAccount(em(), deps.secretBox, accountId) : null;
    if (!account || account.provider !== providerName) {
      deps.logger.warn({ provider: providerName, accountId }, 'notification for an unknown provider account refused');
      res.status(404).type('text/plain').send('unknown account');
      return;
    }
    const provider: PaymentProvider = providerFor(account, { sandboxUrl: deps.config.sandboxUrl });
    const notification: RawNotification = {
      headers: Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value])),
      rawBody: body,
      form: /application\/x-www-form-urlencoded/i.test(req.get('content-type') ?? '') ? Object.fromEntries(new URLSearchParams(body.toString('utf8'))) : null,
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
    if (verified.kind !== 'payment') {
      // Refund notifications arrive with the refunds feature; until then they are kept, not acted upon.
      await record(providerName, accountId, body, 'unknown_order', { outTradeNo: verified.outTradeNo, reason: 'refund notifications are not handled yet' });
      return answer(res, provider.notificationAck('refused'));
    }

    const trade = verified.trade;
    const payment = await em().findOne(PaymentSchema, { outTradeNo: trade.outTradeNo, providerAccountId: account.id });
    if (!payment) {
      deps.logger.warn({ provider: providerName, accountId, outTradeNo: trade.outTradeNo }, 'notification for an unknown order');
      await record(providerName, accountId, body, 'unknown_order', { outTradeNo: trade.outTradeNo });
      return answer(res, provider.notificationAck('refused'));
    }
    if (trade.amountMinor !== payment.amount) {
      const reason = `amount ${trade.amountMinor} does not match the payment's ${payment.amount}`;
      deps.logger.warn({ provider: providerName, paymentId: payment.id, reason }, 'notification refused');
      await record(providerName, accountId, body, 'refused', { outTradeNo: trade.outTradeNo, paymentId: payment.id, reason });
      return answer(res, provider.notificationAck('refused'));
    }

    try {
      await deps.temporal.workflow.getHandle(paymentWorkflowId(payment.id)).signal(providerNotificationSignal, trade);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      // The workflow has finished: the notification is kept for the record and acknowledged,
      // since the stored payment is already final.
      await record(providerName, accountId, body, 'late', { outTradeNo: trade.outTradeNo, paymentId: payment.id, reason: `payment is ${payment.status}` });
      return answer(res, provider.notificationAck('accepted'));
    }
    await record(providerName, accountId, body, 'signaled', { outTradeNo: trade.outTradeNo, paymentId: payment.id });
    answer(res, provider.notificationAck('accepted'));
  });

  return router;
}
