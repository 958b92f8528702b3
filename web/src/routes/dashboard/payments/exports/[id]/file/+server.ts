import { error } from '@sveltejs/kit';
import { errorOf } from '$lib/server/console-api';
import type { RequestHandler } from './$types';

/**
 * The export's CSV, streamed through the web app: the browser holds the console's cookie, never an
 * API credential, so it never talks to the API itself.
 */
export const GET: RequestHandler = async ({ locals, params }) => {
  const answer = await locals.console!.api.GET('/v1/payment_exports/{id}/file', {
    params: { path: { id: params.id } },
    parseAs: 'stream',
  });
  if (!answer.response.ok || !answer.data) {
    const body = answer.response.ok ? null : errorOf(await answer.response.json().catch(() => null));
    error(answer.response.status, body?.message ?? 'error');
  }
  const headers = new Headers({
    'content-type': answer.response.headers.get('content-type') ?? 'text/csv; charset=utf-8',
    'content-disposition':
      answer.response.headers.get('content-disposition') ?? `attachment; filename="payments-${params.id}.csv"`,
  });
  return new Response(answer.data, { headers });
};
