/**
 * Kratos' self-service flows, run by this server for the browser: the browser only ever talks to
 * the web app, which calls Kratos' public API with the browser's cookies and hands Kratos' cookies
 * (its CSRF cookie, the session) back as its own. So the consoles work on whichever host name the
 * person typed, and no page needs JavaScript to sign in. KRATOS_PUBLIC_URL names Kratos.
 */
import { env } from '$env/dynamic/private';
import type { Cookies } from '@sveltejs/kit';
import { parseSetCookie } from 'set-cookie-parser';

export const FLOW_KINDS = ['login', 'registration', 'recovery', 'verification', 'settings'] as const;
export type FlowKind = (typeof FLOW_KINDS)[number];
export const SESSION_COOKIE = 'ory_kratos_session';

const TIMEOUT_MS = 10_000;

/** Kratos' UI text: a message or a label, with the id the page translates it by. */
export interface UiText {
  id: number;
  text: string;
  type: 'info' | 'error' | 'success';
  context?: Record<string, unknown>;
}

export interface UiNode {
  type: 'input' | 'img' | 'text' | 'a' | 'script' | 'div';
  group: string;
  attributes: {
    name?: string;
    type?: string;
    value?: unknown;
    required?: boolean;
    disabled?: boolean;
    autocomplete?: string;
    pattern?: string;
    maxlength?: number;
    src?: string;
    href?: string;
    id?: string;
    title?: UiText;
    text?: UiText;
    width?: number;
    height?: number;
    node_type?: string;
    /** A security key's button: the function of Kratos' webauthn.js it calls. */
    onclickTrigger?: string;
  };
  messages: UiText[];
  meta: { label?: UiText };
}

export interface Flow {
  id: string;
  type: 'browser' | 'api';
  state?: string;
  return_to?: string;
  requested_aal?: string;
  ui: { action: string; method: string; nodes: UiNode[]; messages?: UiText[] };
}

/** What submitting a flow came to. */
export type Outcome =
  /** Done: the session (login, registration) or the flow in its final state (settings, verification). */
  | { kind: 'done'; body: Record<string, unknown>; flow: Flow | null }
  /** Show the flow again: with its errors, or at its next step (a code was sent). */
  | { kind: 'show'; flow: Flow }
  /** Kratos sends the browser elsewhere (recovery → settings, a flow that must start again). */
  | { kind: 'redirect'; to: string };

export class KratosUnavailableError extends Error {
  override name = 'KratosUnavailableError';
}

function kratosUrl(): string {
  const url = env.KRATOS_PUBLIC_URL;
  if (!url) throw new KratosUnavailableError('KRATOS_PUBLIC_URL is not set: the console cannot sign anyone in.');
  return url.replace(/\/$/, '');
}

/** The browser's cookies, as Kratos wants them (its CSRF cookie and the session). */
function cookieHeader(cookies: Cookies): string {
  return cookies
    .getAll()
    .filter((cookie) => cookie.name === SESSION_COOKIE || cookie.name.startsWith('csrf_token'))
    .map((cookie) => `${cookie.name}=${cookie.value}`)
    .join('; ');
}

/** Kratos' Set-Cookie lines, set as this host's own cookies (host-only: no Domain). */
function relayCookies(response: Response, cookies: Cookies): void {
  for (const cookie of parseSetCookie(response.headers.getSetCookie())) {
    cookies.set(cookie.name, cookie.value, {
      path: cookie.path ?? '/',
      httpOnly: cookie.httpOnly ?? true,
      secure: cookie.secure ?? false,
      sameSite: 'lax',
      ...(cookie.expires ? { expires: cookie.expires } : {}),
      ...(cookie.maxAge !== undefined ? { maxAge: cookie.maxAge } : {}),
      encode: (value) => value,
    });
  }
}

async function call(
  path: string,
  cookies: Cookies,
  init: RequestInit = {},
): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await fetch(`${kratosUrl()}${path}`, {
      ...init,
      redirect: 'manual',
      headers: { accept: 'application/json', cookie: cookieHeader(cookies), ...(init.headers ?? {}) },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new KratosUnavailableError(`${path}: ${(error as Error).message}`);
  }
  relayCookies(response, cookies);
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new KratosUnavailableError(`${path} answered ${response.status} with a body that is not JSON`);
  }
  if (response.status >= 500)
    throw new KratosUnavailableError(`${path} answered ${response.status}: ${text.slice(0, 200)}`);
  return { status: response.status, body };
}

/** Where Kratos' error body (410 expired, 422 elsewhere, 403 aal…) sends the browser, if anywhere. */
function redirectOf(body: unknown): string | null {
  const record = body as { redirect_browser_to?: string; error?: { details?: { redirect_to?: string } } } | null;
  return record?.redirect_browser_to ?? record?.error?.details?.redirect_to ?? null;
}

function isFlow(body: unknown): body is Flow {
  return typeof body === 'object' && body !== null && 'ui' in body && 'id' in body;
}

/**
 * A new flow of `kind` (`params`: aal=aal2 for the second factor, refresh=true to sign in again,
 * return_to). A flow Kratos will not start (already signed in, no session for settings) sends
 * the browser where Kratos says.
 */
export async function startFlow(
  kind: FlowKind,
  cookies: Cookies,
  params: Record<string, string> = {},
): Promise<Outcome> {
  const query = new URLSearchParams(params).toString();
  const { status, body } = await call(`/self-service/${kind}/browser${query ? `?${query}` : ''}`, cookies);
  if (status === 200 && isFlow(body)) return { kind: 'show', flow: body };
  return { kind: 'redirect', to: redirectOf(body) ?? (kind === 'settings' ? '/auth/login' : '/dashboard') };
}

/** The flow `id`, or null when it is gone (expired, or another browser's): the page starts a new one. */
export async function getFlow(kind: FlowKind, id: string, cookies: Cookies): Promise<Flow | null> {
  const { status, body } = await call(`/self-service/${kind}/flows?id=${encodeURIComponent(id)}`, cookies);
  return status === 200 && isFlow(body) ? body : null;
}

/** Submits the page's form to the flow as Kratos' browser flows take it (urlencoded), asking for JSON back. */
export async function submitFlow(kind: FlowKind, id: string, form: FormData, cookies: Cookies): Promise<Outcome> {
  const fields = new URLSearchParams();
  for (const [name, value] of form) if (typeof value === 'string') fields.append(name, value);
  const { status, body } = await call(`/self-service/${kind}?flow=${encodeURIComponent(id)}`, cookies, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: fields,
  });
  const redirect = redirectOf(body);
  if (status === 200) {
    const flow = isFlow(body)
      ? body
      : isFlow((body as { flow?: unknown })?.flow)
        ? (body as { flow: Flow }).flow
        : null;
    // Settings, verification and recovery answer their flow; a step that is not the last shows it again.
    if (flow && kind !== 'login' && kind !== 'registration' && !isFinal(kind, flow)) return { kind: 'show', flow };
    return { kind: 'done', body: body as Record<string, unknown>, flow };
  }
  if (status === 400 && isFlow(body)) return { kind: 'show', flow: body };
  if (redirect) return { kind: 'redirect', to: redirect };
  return { kind: 'redirect', to: `/auth/${kind}` };
}

function isFinal(kind: FlowKind, flow: Flow): boolean {
  if (kind === 'settings') return flow.state === 'success';
  if (kind === 'verification') return flow.state === 'passed_challenge';
  return false;
}

/** The flow a registration continues with (Kratos' show_verification_ui hook), if any. */
export function continueWith(body: Record<string, unknown>, action: string): string | null {
  const items = (body.continue_with ?? []) as { action?: string; flow?: { id?: string } }[];
  return items.find((item) => item.action === action)?.flow?.id ?? null;
}

/** Ends the browser's session; Kratos clears its cookie. */
export async function signOut(cookies: Cookies): Promise<void> {
  const { status, body } = await call('/self-service/logout/browser', cookies);
  const token = (body as { logout_token?: string } | null)?.logout_token;
  if (status === 200 && token) await call(`/self-service/logout?token=${encodeURIComponent(token)}`, cookies);
  cookies.delete(SESSION_COOKIE, { path: '/' });
}
