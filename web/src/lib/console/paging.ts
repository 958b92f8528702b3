/**
 * Cursor paging over the API's lists, which page forward only (`starting_after`, newest first):
 * the way back is the cursors of the pages before, carried in the address (`trail`), so both links
 * work without JavaScript and without the server keeping anything.
 */
const FIRST = '~';

export interface Paging {
  /** The cursor of this page (undefined: the first page). */
  startingAfter: string | undefined;
  /** Where the previous and next pages are (null where there is none). */
  previous: string | null;
  next: (lastId: string | undefined, hasMore: boolean) => string | null;
}

export function paging(url: URL): Paging {
  const startingAfter = url.searchParams.get('starting_after') || undefined;
  const trail = (url.searchParams.get('trail') ?? '').split(',').filter(Boolean);
  const at = (cursor: string | undefined, cursors: string[]) => {
    const query = new URLSearchParams(url.searchParams);
    query.delete('starting_after');
    query.delete('trail');
    if (cursor) query.set('starting_after', cursor);
    if (cursors.length > 0) query.set('trail', cursors.join(','));
    const search = query.toString();
    return search ? `${url.pathname}?${search}` : url.pathname;
  };
  let previous: string | null = null;
  if (startingAfter) {
    const before = trail.at(-1);
    previous = at(before && before !== FIRST ? before : undefined, trail.slice(0, -1));
  }
  return {
    startingAfter,
    previous,
    next: (lastId, hasMore) => (hasMore && lastId ? at(lastId, [...trail, startingAfter ?? FIRST]) : null),
  };
}
