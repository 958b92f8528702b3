import { EventSchema, type EventRow } from '../db/entities';
import type { EventType } from '../domain/events';
import type { ApiDeps } from './deps';
import { InvalidRequestError, NotFoundError } from './errors';
import type { Merchant } from './payments.service';

export interface ListEventsParams {
  limit: number;
  starting_after?: string;
  type?: EventType;
}

/** Events are written by the workflows (one per state an object reaches); merchants only read them. */
export function createEventsService(deps: ApiDeps) {
  const { db } = deps;

  async function find(merchant: Merchant, id: string, param = 'id'): Promise<EventRow> {
    const event = await db.fork().findOne(EventSchema, { id, merchantId: merchant.id, livemode: merchant.livemode });
    if (!event) throw new NotFoundError('event', id, param);
    return event;
  }

  return {
    find,

    async list(merchant: Merchant, params: ListEventsParams): Promise<{ data: EventRow[]; hasMore: boolean }> {
      const qb = db
        .fork()
        .createQueryBuilder(EventSchema, 'e')
        .where({ merchantId: merchant.id, livemode: merchant.livemode });
      if (params.type) qb.andWhere({ type: params.type });
      if (params.starting_after) {
        const cursor = await find(merchant, params.starting_after).catch(() => {
          throw new InvalidRequestError(
            'resource_missing',
            `No such event: '${params.starting_after}'`,
            'starting_after',
          );
        });
        qb.andWhere({
          $or: [{ createdAt: { $lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { $lt: cursor.id } }],
        });
      }
      const rows = await qb
        .orderBy({ createdAt: 'desc', id: 'desc' })
        .limit(params.limit + 1)
        .getResultList();
      return { data: rows.slice(0, params.limit), hasMore: rows.length > params.limit };
    },
  };
}

export type EventsService = ReturnType<typeof createEventsService>;
