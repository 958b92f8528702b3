import { error, fail, redirect } from '@sveltejs/kit';
import {
  FLOW_KINDS,
  continueWith,
  getFlow,
  startFlow,
  submitFlow,
  type Flow,
  type FlowKind,
  type Outcome,
} from '$lib/server/kratos';
import type { Actions, PageServerLoad } from './$types';

/** Where a person goes after signing in: a console page they asked for (merchant or admin), else the dashboard. */
function safeReturn(to: string | null): string {
  return to && /^\/(dashboard|admin|auth\/settings)(\/|\?|$)/.test(to) ? to : '/dashboard';
}

/** Kratos names our own pages by absolute URL (its ui_url); keep the browser on the host it uses. */
function local(to: string): string {
  try {
    const url = new URL(to, 'http://local');
    // Kratos starting a flow itself (a second factor after the password: `…/login/browser?aal=aal2`):
    // this server starts it instead, with the browser's cookies, on whichever host the browser uses.
    const start = /^\/self-service\/([a-z]+)\/browser$/.exec(url.pathname);
    if (start && (FLOW_KINDS as readonly string[]).includes(start[1])) return `/auth/${start[1]}${url.search}`;
    return ['/auth/', '/dashboard', '/admin'].some((prefix) => url.pathname.startsWith(prefix))
      ? url.pathname + url.search
      : to;
  } catch {
    return '/dashboard';
  }
}

function kindOf(param: string): FlowKind {
  if (!(FLOW_KINDS as readonly string[]).includes(param)) error(404, 'Not found');
  return param as FlowKind;
}

/** What Kratos is asked to start a flow with: a second factor, a fresh sign-in before a sensitive change. */
const START_PARAMS = ['aal', 'refresh'];

export const load: PageServerLoad = async ({ params, url, cookies }) => {
  const kind = kindOf(params.flow);
  const id = url.searchParams.get('flow');
  const returnTo = url.searchParams.get('return_to');
  if (!id) {
    const start: Record<string, string> = {};
    for (const name of START_PARAMS) {
      const value = url.searchParams.get(name);
      if (value) start[name] = value;
    }
    const started = await startFlow(kind, cookies, start);
    if (started.kind === 'redirect') redirect(303, local(started.to));
    const next = new URLSearchParams(url.searchParams);
    for (const name of START_PARAMS) next.delete(name);
    next.set('flow', started.kind === 'show' ? started.flow.id : '');
    redirect(303, `/auth/${kind}?${next}`);
  }
  const flow = await getFlow(kind, id, cookies);
  if (!flow) {
    // Expired, or started in another browser: begin again, keeping where the person was going.
    redirect(303, `/auth/${kind}${returnTo ? `?return_to=${encodeURIComponent(returnTo)}` : ''}`);
  }
  // An invitation's link carries its recovery code: the person only presses "continue".
  const prefill: Record<string, string> = {};
  const code = url.searchParams.get('code');
  if (code && (kind === 'recovery' || kind === 'verification') && /^[0-9]{4,12}$/.test(code)) prefill.code = code;
  return {
    kind,
    flow,
    prefill,
    returnTo: returnTo ? safeReturn(returnTo) : null,
    // The admin console sent a staff member here to set up the second factor it requires.
    adminSecondFactor: kind === 'settings' && url.searchParams.get('reason') === 'admin_second_factor',
  };
};

export const actions: Actions = {
  default: async ({ params, url, cookies, request }) => {
    const kind = kindOf(params.flow);
    const id = url.searchParams.get('flow');
    if (!id) redirect(303, `/auth/${kind}`);
    const outcome: Outcome = await submitFlow(kind, id, await request.formData(), cookies);
    if (outcome.kind === 'redirect') redirect(303, local(outcome.to));
    if (outcome.kind === 'show') {
      // A wrong field is a 400; the flow's next step (a code sent) is an ordinary answer.
      const refused = outcome.flow.ui.nodes.some((node) => node.messages.some((m) => m.type === 'error'));
      return refused || outcome.flow.ui.messages?.some((m) => m.type === 'error')
        ? fail(400, { flow: outcome.flow, done: false })
        : { flow: outcome.flow, done: false };
    }
    switch (kind) {
      case 'login':
        redirect(303, safeReturn(url.searchParams.get('return_to')));
        break;
      case 'registration': {
        // Kratos sent the verification code already (show_verification_ui): the next page asks for it.
        const verification = continueWith(outcome.body, 'show_verification_ui');
        redirect(303, verification ? `/auth/verification?flow=${verification}` : '/dashboard/welcome');
        break;
      }
      default:
        return { flow: outcome.flow as Flow, done: true };
    }
  },
};
