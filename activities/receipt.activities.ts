import { inChinaTime } from '../domain/china-time';
import type { MessageChannel, MessageLocale } from '../domain/message';
import { toDecimalString } from '../domain/money';
import { MessageRequestError, requestMessage, type MessageRequest } from '../messaging/outbox';
import type { ActivityDeps } from './deps';

/** The events that send the shopper a receipt, and the template each uses. */
const RECEIPT_TEMPLATES: Readonly<Record<string, string>> = {
  'payment.succeeded': 'payment_receipt',
  'refund.succeeded': 'refund_receipt',
};

/** The events sendReceipts acts on: the others cost no query. */
export const RECEIPT_EVENTS: ReadonlySet<string> = new Set(Object.keys(RECEIPT_TEMPLATES));

interface ReceiptFacts {
  type: string;
  merchant_id: string;
  livemode: boolean;
  merchant_name: string;
  payment_id: string;
  refund_id: string | null;
  amount: string;
  currency: 'CNY';
  merchant_order_no: string | null;
  succeeded_at: Date;
  customer_id: string | null;
  customer_email: string | null;
  customer_phone: string | null;
  customer_locale: MessageLocale | null;
  receipt_email: string | null;
  receipt_phone: string | null;
  receipt_locale: MessageLocale | null;
}

export function createReceiptActivities(deps: ActivityDeps) {
  /** Everything a receipt says, read in one query from the event. */
  async function factsOf(eventId: string): Promise<ReceiptFacts | null> {
    const [facts] = await deps.db.execute<ReceiptFacts[]>(
      `select e.type, e.merchant_id, e.livemode, m.name as merchant_name, p.id as payment_id, r.id as refund_id,
              coalesce(r.amount, p.amount)::text as amount, p.currency, p.merchant_order_no,
              coalesce(r.succeeded_at, p.succeeded_at, e.created_at) as succeeded_at,
              p.customer_id, c.email as customer_email, c.phone as customer_phone, c.locale as customer_locale,
              p.receipt_email, p.receipt_phone, p.receipt_locale
         from events e
         join merchants m on m.id = e.merchant_id
         left join refunds r on e.type = 'refund.succeeded' and r.id = e.object_id
         join payments p on p.id = coalesce(r.payment_id, e.object_id)
         left join customers c on c.id = p.customer_id and c.merchant_id = p.merchant_id and c.erased_at is null
        where e.id = ? and e.type in ('payment.succeeded', 'refund.succeeded')`,
      [eventId],
    );
    return facts ?? null;
  }

  return {
    /**
     * Sends the receipt of a succeeded payment or refund by e-mail and SMS, to the payment's customer
     * (in the customer's locale) or, when it names none, to the contact the shopper left on the
     * hosted checkout. An erased customer gets nothing. Once per event and recipient, however often
     * the event is dispatched (messaging/outbox.ts).
     */
    async sendReceipts(input: { eventId: string }): Promise<void> {
      const facts = await factsOf(input.eventId);
      if (!facts) return;
      const template = RECEIPT_TEMPLATES[facts.type];
      for (const contact of contactsOf(facts)) {
        const request: MessageRequest = {
          merchantId: facts.merchant_id,
          livemode: facts.livemode,
          template,
          channel: contact.channel,
          to: contact.to,
          locale: contact.locale,
          variables: {
            merchant: facts.merchant_name,
            amount: `¥${toDecimalString(Number(facts.amount), facts.currency)}`,
            order: facts.merchant_order_no ?? facts.payment_id,
            payment: facts.payment_id,
            refund: facts.refund_id ?? '',
            paid_at: chinaMinute(facts.succeeded_at),
          },
          objectId: facts.refund_id ?? facts.payment_id,
          customerId: facts.customer_id,
        };
        try {
          await requestMessage(deps, request);
        } catch (error) {
          // A template an admin unpublished, or a contact Aliyun cannot reach: the payment stays
          // as it is and its webhooks go out; the receipt is logged as not sent.
          if (error instanceof MessageRequestError) {
            deps.logger.warn(
              { eventId: input.eventId, channel: contact.channel, reason: error.message },
              'receipt not sent',
            );
            continue;
          }
          throw error;
        }
      }
    },
  };
}

/** Who gets the receipt: the customer's contacts when the payment names one, else the checkout's receipt contact. */
function contactsOf(facts: ReceiptFacts): { channel: MessageChannel; to: string; locale: MessageLocale }[] {
  const fromCustomer = facts.customer_id !== null;
  const email = fromCustomer ? facts.customer_email : facts.receipt_email;
  const phone = fromCustomer ? facts.customer_phone : facts.receipt_phone;
  const locale = (fromCustomer ? facts.customer_locale : null) ?? facts.receipt_locale ?? 'zh-CN';
  return [
    ...(email ? [{ channel: 'email' as const, to: email, locale }] : []),
    ...(phone ? [{ channel: 'sms' as const, to: phone, locale }] : []),
  ];
}

/** `2026-12-03 14:05`, Beijing time: what a shopper in China reads on a receipt. */
function chinaMinute(at: Date): string {
  return inChinaTime(new Date(at)).toISOString().slice(0, 16).replace('T', ' ');
}
