import { anySet, dayRange, formOf, given } from '$lib/admin/query';
import { paging } from '$lib/console/paging';
import { listPage, refusedFilter } from '$lib/server/admin-lists';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 50;
const FIELDS = ['actor', 'actor_type', 'merchant', 'object_type', 'object_id', 'action', 'from', 'to'] as const;
const ACTOR_TYPES = ['member', 'api_key', 'admin_token', 'staff'] as const;
type ActorType = (typeof ACTOR_TYPES)[number];

/** The audit log across merchants, newest first, with the API's filters. */
export const load: PageServerLoad = async ({ locals, url }) => {
  const form = formOf(url.searchParams, FIELDS);
  const { range, invalid } = dayRange('created', form.from, form.to);
  if (invalid) return { form, filtered: true, actorTypes: ACTOR_TYPES, ...refusedFilter<never>(invalid) };
  const pages = paging(url);
  const answer = await locals.admin!.api.GET('/v1/admin/audit_log', {
    params: {
      query: {
        actor: given(form.actor),
        actor_type: (ACTOR_TYPES as readonly string[]).includes(form.actor_type)
          ? (form.actor_type as ActorType)
          : undefined,
        merchant: given(form.merchant),
        object_type: given(form.object_type),
        object_id: given(form.object_id),
        action: given(form.action),
        ...range,
        limit: PAGE_SIZE,
        starting_after: pages.startingAfter,
      },
    },
  });
  return { form, filtered: anySet(form), actorTypes: ACTOR_TYPES, ...listPage(answer, pages) };
};
