import type { QueryBuilder } from '@mikro-orm/postgresql';
import { InvalidRequestError } from './errors';

// API.md's lists: `?limit=1..100&starting_after=<id>` → `{"object":"list","data":[…],"has_more":bool}`, newest first.

/** One page of a list, newest first. */
export interface Page<T> {
  data: T[];
  hasMore: boolean;
}

/** What a list is paged by: newest first means by creation time, then by id for rows created at the same time. */
export interface Cursor {
  id: string;
  createdAt: Date;
}

/**
 * The page of `query` (the list's rows, already filtered) that follows the row `starting_after`
 * names. `findCursor` finds that row among those the caller may see, or throws the list's answer
 * for one it may not (see `unknownCursor`).
 *
 * @example
 * const qb = db.fork().createQueryBuilder(RefundSchema, 'r').where({ merchantId, livemode });
 * return paginate(qb, params, (id) => find(merchant, id).catch(() => { throw unknownCursor('refund', id); }));
 */
export async function paginate<T extends Cursor>(
  query: QueryBuilder<T>,
  params: { limit: number; starting_after?: string },
  findCursor: (id: string) => Promise<Cursor>,
): Promise<Page<T>> {
  if (params.starting_after) {
    const cursor = await findCursor(params.starting_after);
    // Compared with the cursor row's own created_at, in SQL: PostgreSQL keeps microseconds and a JS
    // Date only milliseconds, so rows stamped by now() (the seeded templates, all in one instant;
    // messages) would otherwise be skipped after the first page.
    const meta = query.mainAlias.metadata;
    if (!meta) throw new Error('paginate: the query has no entity');
    const column = (property: keyof Cursor) => meta.properties[property as keyof typeof meta.properties].fieldNames[0];
    const [createdAt, id] = [column('createdAt'), column('id')];
    query.andWhere(
      `(${query.alias}.${createdAt}, ${query.alias}.${id}) < (select c.${createdAt}, c.${id} from ${meta.tableName} c where c.${id} = ?)`,
      [cursor.id],
    );
  }
  const rows = await query
    .orderBy({ createdAt: 'desc', id: 'desc' })
    .limit(params.limit + 1)
    .getResultList();
  return pageOf(rows, params.limit);
}

/** A page of rows fetched with `limit + 1`: the extra row only tells that there are more. */
export function pageOf<T>(rows: T[], limit: number): Page<T> {
  return { data: rows.slice(0, limit), hasMore: rows.length > limit };
}

/** The answer to a `starting_after` that names nothing the merchant can see. */
export function unknownCursor(objectName: string, id: string): InvalidRequestError {
  return new InvalidRequestError('resource_missing', `No such ${objectName}: '${id}'`, 'starting_after');
}

/** A list as API.md answers it; `data` holds the API's objects. */
export function listObject<T>(url: string, data: T[], hasMore: boolean) {
  return { object: 'list', data, has_more: hasMore, url };
}
