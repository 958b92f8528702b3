import { EventSchema, type EventRow } from '../db/entities';
import type { EventType } from '../domain/events';
import type { ApiDeps } from './deps';
import { NotFoundError } from './errors';
import { paginate, unknownCursor, type Page } from './pagination';
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

    async list(merchant: Merchant, params: ListEventsParams): Promise<Page<EventRow>> {
      const qb = db
        .fork()
        .createQueryBuilder(EventSchema, 'e')
        .where({ merchantId: merchant.id, livemode: merchant.livemode });
      if (params.type) qb.andWhere({ type: params.type });
      return paginate(qb, params, (id) =>
        find(merchant, id).catch(() => {
          throw unknownCursor('event', id);
        }),
      );
    },
  };
}

export type EventsService = ReturnType<typeof createEventsService>;
