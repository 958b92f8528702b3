import { MessageRequestError, requestMessage } from '../messaging/outbox';
import type { ActivityDeps } from './deps';

/** The events sendAlerts acts on. */
export const ALERT_EVENTS: ReadonlySet<string> = new Set(['refund.requires_attention']);

interface StuckRefundFacts {
  refund_id: string;
  livemode: boolean;
  merchant_name: string;
  order: string;
  failure_reason: string | null;
  hours: number;
}

export function createAlertActivities(deps: ActivityDeps) {
  return {
    /**
     * Tells the platform's operators (TONGBAO_ALERT_TO) by e-mail or SMS that a refund needs them:
     * the provider did not settle it in time, and only an admin's retry or cancel moves it on.
     * Once per event and operator.
     */
    async sendAlerts(input: { eventId: string }): Promise<void> {
      if (deps.alerts.to.length === 0) return;
      const [facts] = await deps.db.execute<StuckRefundFacts[]>(
        `select r.id as refund_id, e.livemode, m.name as merchant_name, coalesce(p.merchant_order_no, p.id) as "order",
                r.failure_reason, floor(extract(epoch from (now() - r.created_at)) / 3600)::int as hours
           from events e
           join refunds r on r.id = e.object_id
           join payments p on p.id = r.payment_id
           join merchants m on m.id = e.merchant_id
          where e.id = ? and e.type = 'refund.requires_attention'`,
        [input.eventId],
      );
      if (!facts) return;
      for (const to of deps.alerts.to) {
        try {
          await requestMessage(deps, {
            merchantId: null,
            livemode: facts.livemode,
            template: 'stuck_refund_alert',
            channel: to.includes('@') ? 'email' : 'sms',
            to,
            locale: deps.alerts.locale,
            variables: {
              refund: facts.refund_id,
              merchant: facts.merchant_name,
              order: facts.order,
              // A refund is announced once the provider kept it past TONGBAO_REFUND_ATTENTION_AFTER.
              hours: String(facts.hours),
              reason: facts.failure_reason ?? '—',
              link: `${deps.alerts.consoleUrl}/admin/refunds/${facts.refund_id}`,
            },
            objectId: input.eventId,
          });
        } catch (error) {
          if (error instanceof MessageRequestError) {
            deps.logger.warn({ eventId: input.eventId, reason: error.message }, 'stuck-refund alert not sent');
            continue;
          }
          throw error;
        }
      }
    },
  };
}
