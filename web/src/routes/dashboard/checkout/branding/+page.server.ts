import { redirect } from '@sveltejs/kit';
import { field, loadErrorOf, refused } from '$lib/server/console-actions';
import type { Actions, PageServerLoad } from './$types';

type Locale = 'zh-CN' | 'en-US';

export const load: PageServerLoad = async ({ locals }) => {
  const answer = await locals.console!.api.GET('/v1/account');
  return { account: answer.data ?? null, loadError: loadErrorOf(answer) };
};

/** The uploaded file as a data URL (the API checks what it is), or undefined when none was chosen. */
async function logoOf(form: FormData): Promise<string | undefined> {
  const file = form.get('logo');
  if (!(file instanceof File) || file.size === 0) return undefined;
  const base64 = Buffer.from(await file.arrayBuffer()).toString('base64');
  return `data:${file.type || 'application/octet-stream'};base64,${base64}`;
}

export const actions: Actions = {
  /** The hosted checkout's branding; an empty field clears it (the page then shows Tongbao's own). */
  save: async ({ locals, request }) => {
    const form = await request.formData();
    const logo = form.get('remove_logo') === 'on' ? null : await logoOf(form);
    const locale = field(form, 'default_locale');
    const answer = await locals.console!.api.POST('/v1/account', {
      body: {
        display_name: field(form, 'display_name') || null,
        brand_color: form.get('default_color') === 'on' ? null : field(form, 'brand_color') || null,
        default_locale: locale === 'zh-CN' || locale === 'en-US' ? (locale as Locale) : null,
        ...(logo !== undefined ? { logo } : {}),
      },
    });
    if (!answer.data) return refused('save', answer.response.status, answer.error);
    return { action: 'save', saved: true };
  },
  /** A small test-mode checkout session in the current branding, opened at once. */
  preview: async ({ locals, url }) => {
    const console = locals.console!;
    if (console.mode !== 'test') return refused('preview', 409, null);
    const back = `${url.origin}/dashboard/checkout/branding`;
    const answer = await console.api.POST('/v1/checkout/sessions', {
      body: {
        currency: 'CNY',
        line_items: [{ name: 'Preview', quantity: 1, unit_amount: 100 }],
        success_url: back,
        cancel_url: back,
      },
    });
    if (!answer.data) return refused('preview', answer.response.status, answer.error);
    redirect(303, answer.data.url);
  },
};
