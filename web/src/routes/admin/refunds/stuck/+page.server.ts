import { randomUUID } from 'node:crypto';
import { fail } from '@sveltejs/kit';
import { paging } from '$lib/console/paging';
import { errorOf } from '$lib/server/console-api';
import { field } from '$lib/server/console-actions';
import { listPage } from '$lib/server/admin-lists';
import type { AdminLocals } from '$lib/server/admin-session';
import type { Actions, PageServerLoad } from './$types';

const PAGE_SIZE = 50;

/** Every refund in requires_attention (newest first, as the API lists them), page by page. */
export const load: PageServerLoad = async ({ locals, url }) => {
  const pages = paging(url);
  const answer = await locals.admin!.api.GET('/v1/admin/refunds', {
    params: { query: { status: 'requires_attention', limit: PAGE_SIZE, starting_after: pages.startingAfter } },
  });
  const list = listPage(answer, pages);
  return {
    ...list,
    // One Idempotency-Key per refund shown: the same form sent again (a double click, a lost answer) is one request.
    keys: Object.fromEntries(list.rows.map((refund) => [refund.id, randomUUID()])),
  };
};

type Kind = 'retry' | 'cancel';

function send(admin: AdminLocals, kind: Kind, id: string, reason: string, key: string | undefined) {
  const options = { params: { path: { id }, header: { 'Idempotency-Key': key } }, body: { reason } };
  return kind === 'retry'
    ? admin.api.POST('/v1/admin/refunds/{id}/retry', options)
    : admin.api.POST('/v1/admin/refunds/{id}/cancel', options);
}

/**
 * Retry and Cancel: the reason goes to the API (and so to the audit log), and its answer, the
 * refund as the workflow left it, comes back to the page, which shows it in place. The
 * Idempotency-Key is the form's own: a form sent again reaches the update the first one sent.
 */
function adminRequest(kind: Kind): Actions[string] {
  return async ({ locals, request }) => {
    const form = await request.formData();
    const id = field(form, 'id');
    const answer = await send(
      locals.admin!,
      kind,
      id,
      field(form, 'reason'),
      field(form, 'idempotency_key') || undefined,
    );
    if (!answer.data) {
      const body = errorOf(answer.error);
      return fail(answer.response.status, {
        action: kind,
        id,
        message: body?.message ?? 'error',
        param: body?.param ?? null,
      });
    }
    return { action: kind, id, refund: answer.data };
  };
}

export const actions: Actions = { retry: adminRequest('retry'), cancel: adminRequest('cancel') };
