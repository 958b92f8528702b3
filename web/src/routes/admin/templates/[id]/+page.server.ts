import { randomUUID } from 'node:crypto';
import { error, fail } from '@sveltejs/kit';
import { otherLocale } from '$lib/admin/messaging';
import { errorOf } from '$lib/server/console-api';
import { field, loadErrorOf, refused } from '$lib/server/console-actions';
import { draftOf, valuesOf } from '$lib/server/template-form';
import type { Actions, PageServerLoad } from './$types';

/**
 * A template: its draft, rendered with the samples, beside the published version every send uses;
 * the same code and channel in the other language, for the link to it.
 */
export const load: PageServerLoad = async ({ locals, params }) => {
  const api = locals.admin!.api;
  const answer = await api.GET('/v1/admin/templates/{id}', { params: { path: { id: params.id } } });
  if (!answer.data) {
    if (answer.response.status === 404 || answer.response.status === 400) error(404, errorOf(answer.error)?.message);
    return { template: null, loadError: loadErrorOf(answer), other: null, preview: null, testSendKey: '' };
  }
  const template = answer.data;
  const [other, preview] = await Promise.all([
    api.GET('/v1/admin/templates', {
      params: { query: { code: template.code, channel: template.channel, locale: otherLocale(template.locale) } },
    }),
    api.POST('/v1/admin/templates/{id}/preview', {
      params: { path: { id: template.id } },
      body: { version: 'draft', data: {} },
    }),
  ]);
  return {
    template,
    loadError: null,
    other: other.data?.data[0] ?? null,
    preview: preview.data ?? null,
    // The test-send form's own Idempotency-Key: sent twice (a double click, a lost answer), one message.
    testSendKey: randomUUID(),
  };
};

export const actions: Actions = {
  /** Saves the draft; sends keep using the published version. */
  save: async ({ locals, params, request }) => {
    const form = await request.formData();
    const channel = field(form, 'channel') === 'sms' ? 'sms' : 'email';
    const answer = await locals.admin!.api.PATCH('/v1/admin/templates/{id}', {
      params: { path: { id: params.id } },
      body: draftOf(form, channel),
    });
    if (!answer.data) return refused('save', answer.response.status, answer.error);
    return { action: 'save' as const, saved: answer.data.id };
  },

  /** Saves what the form holds, then publishes it: every later send uses it. */
  publish: async ({ locals, params, request }) => {
    const form = await request.formData();
    const api = locals.admin!.api;
    const channel = field(form, 'channel') === 'sms' ? 'sms' : 'email';
    const saved = await api.PATCH('/v1/admin/templates/{id}', {
      params: { path: { id: params.id } },
      body: draftOf(form, channel),
    });
    if (!saved.data) return refused('publish', saved.response.status, saved.error);
    const answer = await api.POST('/v1/admin/templates/{id}/publish', { params: { path: { id: params.id } } });
    if (!answer.data) return refused('publish', answer.response.status, answer.error);
    return { action: 'publish' as const, published: answer.data.version };
  },

  /** The saved draft (or the published version) rendered with the values given, samples for the rest. */
  preview: async ({ locals, params, request }) => {
    const form = await request.formData();
    const answer = await locals.admin!.api.POST('/v1/admin/templates/{id}/preview', {
      params: { path: { id: params.id } },
      body: { version: field(form, 'version') === 'published' ? 'published' : 'draft', data: valuesOf(form) },
    });
    if (!answer.data) return refused('preview', answer.response.status, answer.error);
    return { action: 'preview' as const, preview: answer.data };
  },

  /** Sends the published version to an address or phone, in test mode unless asked for live. */
  test_send: async ({ locals, params, request }) => {
    const form = await request.formData();
    const to = field(form, 'to');
    if (!to) return fail(400, { action: 'test_send', message: null, code: 'parameter_missing', param: 'to' });
    const answer = await locals.admin!.api.POST('/v1/admin/templates/{id}/test_send', {
      params: { path: { id: params.id }, header: { 'Idempotency-Key': field(form, 'idempotency_key') || undefined } },
      body: { to, data: valuesOf(form), livemode: field(form, 'livemode') === 'on' },
    });
    if (!answer.data) return refused('test_send', answer.response.status, answer.error);
    return { action: 'test_send' as const, sent: answer.data };
  },
};
