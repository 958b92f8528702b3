import { toRefundObject, type RefundRecord } from '../domain/refund';
import type { ApiDeps } from './deps';

/** What the stuck refunds queue shows of a refund beyond the merchant's object. */
export interface RefundHandling {
  /** 1 for the first request, one more for each admin retry (`refund_transitions.attempt`). */
  attempt: number;
  /** Requests sent to the provider, each Temporal retry counted (written by the request activity). */
  providerRequests: number;
  providerAnswerCode: string | null;
  providerAnswerMessage: string | null;
  providerAnsweredAt: Date | null;
  /** Since when it requires attention (its latest time), null when it never did. */
  attentionAt: Date | null;
}

interface HandlingRow {
  id: string;
  attempt: number | null;
  provider_requests: number;
  provider_answer_code: string | null;
  provider_answer_message: string | null;
  provider_answered_at: Date | null;
  attention_at: Date | null;
}

/** Reads, for a page of refunds, what admins need to handle them: one query by primary key. */
export function createAdminRefundsService(deps: ApiDeps) {
  return {
    async handling(ids: string[]): Promise<Map<string, RefundHandling>> {
      if (ids.length === 0) return new Map();
      // The attempt from the unique (refund_id, attempt, to_status) index: a few rows per refund.
      const rows = await deps.db.fork().execute<HandlingRow[]>(
        `select r.id, (select max(attempt) from refund_transitions t where t.refund_id = r.id)::int as attempt,
                r.provider_requests, r.provider_answer_code, r.provider_answer_message, r.provider_answered_at, r.attention_at
           from refunds r where r.id in (?)`,
        [ids],
      );
      return new Map(
        rows.map((row) => [
          row.id,
          {
            attempt: row.attempt ?? 1,
            providerRequests: Number(row.provider_requests),
            providerAnswerCode: row.provider_answer_code,
            providerAnswerMessage: row.provider_answer_message,
            providerAnsweredAt: row.provider_answered_at,
            attentionAt: row.attention_at,
          },
        ]),
      );
    },
  };
}

export type AdminRefundsService = ReturnType<typeof createAdminRefundsService>;

const iso = (date: Date | null) => (date ? new Date(date).toISOString() : null);

/**
 * A refund as admins see it: the merchant's object, whose it is, and how it is being handled; for
 * one that requires attention, since when (`attention.since`, `age_seconds`).
 */
export function toAdminRefundObject(refund: RefundRecord, handling: RefundHandling | undefined, now = new Date()) {
  const attentionAt = refund.status === 'requires_attention' ? (handling?.attentionAt ?? null) : null;
  return {
    ...toRefundObject(refund),
    merchant: refund.merchantId,
    attempt: handling?.attempt ?? 1,
    provider_requests: handling?.providerRequests ?? 0,
    provider_answer: handling?.providerAnsweredAt
      ? {
          code: handling.providerAnswerCode,
          message: handling.providerAnswerMessage,
          at: iso(handling.providerAnsweredAt) as string,
        }
      : null,
    attention: attentionAt
      ? {
          since: iso(attentionAt) as string,
          age_seconds: Math.max(0, Math.floor((now.getTime() - new Date(attentionAt).getTime()) / 1000)),
        }
      : null,
  };
}
