import { error, fail } from '@sveltejs/kit';
import { formFields, type CreateAccountBody, type UpdateAccountBody } from '$lib/admin/provider-credentials';
import { CHANNELS, PROVIDERS, type Channel, type Provider } from '$lib/checkout';
import { errorOf } from '$lib/server/console-api';
import { field, loadErrorOf } from '$lib/server/console-actions';
import { credentialsFromForm } from '$lib/server/provider-credentials-form';
import type { Actions, PageServerLoad } from './$types';

/** A merchant's provider accounts (credentials by fingerprint only) and which account serves each channel. */
export const load: PageServerLoad = async ({ locals, params }) => {
  const api = locals.admin!.api;
  const path = { params: { path: { id: params.id } } };
  const [merchant, accounts, routes] = await Promise.all([
    api.GET('/v1/admin/merchants/{id}', path),
    api.GET('/v1/admin/merchants/{id}/provider_accounts', path),
    api.GET('/v1/admin/merchants/{id}/channel_routes', path),
  ]);
  if (!merchant.data) error(merchant.response.status, errorOf(merchant.error)?.message ?? 'error');
  return {
    merchant: merchant.data,
    accounts: accounts.data?.data ?? [],
    routes: routes.data?.data ?? [],
    loadError: loadErrorOf(accounts) ?? loadErrorOf(routes),
  };
};

/** A refused action's answer, kept with what it was about (an account, a channel) so the page shows it there. */
function refused(action: string, about: string, status: number, body: unknown) {
  const refusal = errorOf(body);
  return fail(status, {
    action,
    about,
    message: refusal?.message ?? 'error',
    param: refusal?.param ?? null,
  });
}

const providerOf = (form: FormData): Provider | null => {
  const value = field(form, 'provider');
  return (PROVIDERS as readonly string[]).includes(value) ? (value as Provider) : null;
};
const channelOf = (form: FormData): Channel => field(form, 'channel') as Channel;
const livemodeOf = (form: FormData) => field(form, 'livemode') === 'true';

export const actions: Actions = {
  /** A new account from the uploaded files (`credentials`); the API checks every key against the others. */
  create: async ({ locals, params, request }) => {
    const form = await request.formData();
    const provider = providerOf(form);
    if (!provider) return fail(400, { action: 'create', about: '', message: null, param: 'provider' });
    const credentials = await credentialsFromForm(formFields(provider, 'create'), form);
    const answer = await locals.admin!.api.POST('/v1/admin/merchants/{id}/provider_accounts', {
      params: { path: { id: params.id } },
      // The API checks the fields and names any missing or wrong: the form's are only its provider's.
      body: { provider, livemode: livemodeOf(form), credentials } as CreateAccountBody,
    });
    if (!answer.data) return refused('create', provider, answer.response.status, answer.error);
    return { action: 'create', about: provider, account: answer.data };
  },
  /** Replaces the credentials uploaded again; those not uploaded are kept (old values are never shown). */
  update: async ({ locals, request }) => {
    const form = await request.formData();
    const id = field(form, 'id');
    const provider = providerOf(form);
    if (!provider) return fail(400, { action: 'update', about: id, message: null, param: 'provider' });
    const answer = await locals.admin!.api.POST('/v1/admin/provider_accounts/{id}', {
      params: { path: { id } },
      body: { credentials: await credentialsFromForm(formFields(provider, 'edit'), form) } as UpdateAccountBody,
    });
    if (!answer.data) return refused('update', id, answer.response.status, answer.error);
    return { action: 'update', about: id, account: answer.data };
  },
  /** A signed query to the provider (the sandbox in test mode); a failed check is an answer, not a refusal. */
  test: async ({ locals, request }) => {
    const id = field(await request.formData(), 'id');
    const answer = await locals.admin!.api.POST('/v1/admin/provider_accounts/{id}/test', {
      params: { path: { id } },
      body: {},
    });
    if (!answer.data) return refused('test', id, answer.response.status, answer.error);
    return { action: 'test', about: id, check: answer.data };
  },
  route: async ({ locals, params, request }) => {
    const form = await request.formData();
    const channel = channelOf(form);
    const livemode = livemodeOf(form);
    const answer = await locals.admin!.api.POST('/v1/admin/merchants/{id}/channel_routes', {
      params: { path: { id: params.id } },
      body: { channel, livemode, provider_account: field(form, 'provider_account') },
    });
    const about = `${livemode}-${channel}`;
    if (!answer.data) return refused('route', about, answer.response.status, answer.error);
    return { action: 'route', about };
  },
  unroute: async ({ locals, params, request }) => {
    const form = await request.formData();
    const channel = channelOf(form);
    const livemode = livemodeOf(form);
    const about = `${livemode}-${channel}`;
    if (!(CHANNELS as readonly string[]).includes(channel))
      return fail(400, { action: 'unroute', about, message: null, param: 'channel' });
    const answer = await locals.admin!.api.DELETE('/v1/admin/merchants/{id}/channel_routes/{channel}', {
      params: { path: { id: params.id, channel }, query: { livemode: livemode ? 'true' : 'false' } },
    });
    if (!answer.data) return refused('unroute', about, answer.response.status, answer.error);
    return { action: 'unroute', about };
  },
};
