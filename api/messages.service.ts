import type { MessageChannel, MessageRecord, MessageStatus } from '../domain/message';
import { MessageSchema } from '../db/entities';
import type { ApiDeps } from './deps';
import { NotFoundError } from './errors';
import { paginate, unknownCursor, type Page } from './pagination';

// API.md "Platform administration", Messaging: the log of every message (GET /v1/admin/messages),
// written by the outbox (messaging/outbox.ts) and each message's workflow.

export interface ListMessagesParams {
  limit: number;
  starting_after?: string;
  /** Normalised as the outbox stores it: E.164, or a lower-case e-mail address. */
  to?: string;
  template?: string;
  channel?: MessageChannel;
  status?: MessageStatus;
  merchant?: string;
  customer?: string;
  object?: string;
  created_gte?: Date;
  created_lte?: Date;
}

/** One try at sending a message, as `message_attempts` records it. */
export interface MessageAttempt {
  number: number;
  at: Date;
  outcome: 'sent' | 'retryable' | 'throttled' | 'final';
  /** Aliyun's Code (OK, isv.BUSINESS_LIMIT_CONTROL…), or http_<status> / network / no_answer. */
  code: string;
  message: string | null;
  requestId: string | null;
  latencyMs: number;
}

export interface MessageWithAttempts extends MessageRecord {
  attempts: MessageAttempt[];
}

export function createMessagesService(deps: ApiDeps) {
  const { db } = deps;

  async function findRecord(id: string, param = 'id'): Promise<MessageRecord> {
    const message = await db.fork().findOne(MessageSchema, { id });
    if (!message) throw new NotFoundError('message', id, param);
    return message;
  }

  return {
    /** The message and every attempt to send it, in order. */
    async find(id: string): Promise<MessageWithAttempts> {
      const message = await findRecord(id);
      const attempts = await db.fork().execute<MessageAttempt[]>(
        `select number, at, outcome, code, message, request_id as "requestId", latency_ms as "latencyMs"
           from message_attempts where message_id = ? order by number`,
        [id],
      );
      return { ...message, attempts: attempts.map((attempt) => ({ ...attempt, at: new Date(attempt.at) })) };
    },

    /** Messages newest first, filtered as support staff look for one. */
    async list(params: ListMessagesParams): Promise<Page<MessageRecord>> {
      const qb = db.fork().createQueryBuilder(MessageSchema, 'm');
      if (params.to) qb.andWhere({ recipient: params.to });
      if (params.template) qb.andWhere({ template: params.template });
      if (params.channel) qb.andWhere({ channel: params.channel });
      if (params.status) qb.andWhere({ status: params.status });
      if (params.merchant) qb.andWhere({ merchantId: params.merchant });
      if (params.customer) qb.andWhere({ customerId: params.customer });
      if (params.object) qb.andWhere({ objectId: params.object });
      if (params.created_gte) qb.andWhere({ createdAt: { $gte: params.created_gte } });
      if (params.created_lte) qb.andWhere({ createdAt: { $lte: params.created_lte } });
      return paginate(qb, params, (id) =>
        findRecord(id).catch(() => {
          throw unknownCursor('message', id);
        }),
      );
    },
  };
}

export type MessagesService = ReturnType<typeof createMessagesService>;
