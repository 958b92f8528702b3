import { error } from '@sveltejs/kit';
import { errorOf } from '$lib/server/console-api';
import type { PageServerLoad } from './$types';

/** One message: what was sent (codes masked), to whom, and each attempt at the provider. */
export const load: PageServerLoad = async ({ locals, params }) => {
  const api = locals.admin!.api;
  const answer = await api.GET('/v1/admin/messages/{id}', { params: { path: { id: params.id } } });
  if (!answer.data) {
    const status = answer.response.status === 400 ? 404 : answer.response.status;
    error(status, errorOf(answer.error)?.message ?? 'error');
  }
  const message = answer.data;
  // The template it was made from, for the link to its editor (the same code, channel and language).
  const template = await api.GET('/v1/admin/templates', {
    params: { query: { code: message.template, channel: message.channel, locale: message.locale } },
  });
  return { message, template: template.data?.data[0]?.id ?? null };
};
