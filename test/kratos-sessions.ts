import { randomBytes } from 'node:crypto';
import { authenticator } from 'otplib';
import { adminFetch, testStack, type FetchResult } from './stack';

// Kratos identities and browser sessions for the consoles' tests, made as a person's browser
// makes them (a browser login flow: its CSRF cookie and token, then the password), without a browser.

export interface TestPerson {
  identityId: string;
  email: string;
  password: string;
}

let people = 0;

/** A merchant user with a password and a verified address, made through Kratos' admin API. */
export async function createPerson(
  options: { email?: string; name?: string; locale?: 'zh-CN' | 'en-US'; schema?: 'merchant_user' | 'staff' } = {},
): Promise<TestPerson> {
  const email = options.email ?? `person-${process.pid}-${++people}-${randomBytes(3).toString('hex')}@example.com`;
  const password = `Tb-${randomBytes(12).toString('base64url')}`;
  const response = await fetch(`${testStack().kratos_admin_url}/admin/identities`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      schema_id: options.schema ?? 'merchant_user',
      traits: { email, name: options.name ?? 'Test Person', ...(options.locale ? { locale: options.locale } : {}) },
      credentials: { password: { config: { password } } },
      verifiable_addresses: [{ value: email, verified: true, via: 'email', status: 'completed' }],
    }),
  });
  const body = (await response.json()) as { id?: string };
  if (response.status !== 201 || !body.id)
    throw new Error(`Kratos createIdentity: ${response.status} ${JSON.stringify(body)}`);
  return { identityId: body.id, email, password };
}

/** The cookies a response sets, as `name=value` pairs (attributes dropped). */
function cookiesOf(response: Response): Map<string, string> {
  const jar = new Map<string, string>();
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';', 1);
    const at = pair.indexOf('=');
    jar.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return jar;
}

type FlowNode = {
  group?: string;
  attributes: { name?: string; value?: unknown; id?: string; text?: { text?: string } };
};
type BrowserFlow = { id: string; ui: { nodes: FlowNode[] } };

/** Starts a browser flow (`login`, `settings`) as the person's browser: its JSON and the cookies to send with its submission. */
async function startBrowserFlow(
  path: string,
  session: string | null,
): Promise<{ flow: BrowserFlow; cookie: string; csrf: unknown }> {
  const kratos = testStack().kratos_public_url;
  const started = await fetch(`${kratos}/self-service/${path}`, {
    headers: { accept: 'application/json', ...(session ? { cookie: `ory_kratos_session=${session}` } : {}) },
  });
  if (started.status !== 200)
    throw new Error(`Kratos ${path}: ${started.status} ${(await started.text()).slice(0, 300)}`);
  const flow = (await started.json()) as BrowserFlow;
  const jar = cookiesOf(started);
  if (session) jar.set('ory_kratos_session', session);
  return {
    flow,
    cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; '),
    csrf: flow.ui.nodes.find((node) => node.attributes.name === 'csrf_token')?.attributes.value,
  };
}

/**
 * Sets up an authenticator app for the signed-in person (the settings flow's TOTP method, as the
 * account security page does): its secret, for `totpCode`. Kratos raises the session to aal2.
 */
export async function enrollTotp(session: string): Promise<string> {
  const { flow, cookie, csrf } = await startBrowserFlow('settings/browser', session);
  const secret = flow.ui.nodes.find((node) => node.attributes.id === 'totp_secret_key')?.attributes.text?.text;
  if (!secret) throw new Error('the settings flow offers no TOTP secret');
  const submitted = await fetch(`${testStack().kratos_public_url}/self-service/settings?flow=${flow.id}`, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json', cookie },
    body: JSON.stringify({ method: 'totp', totp_code: authenticator.generate(secret), csrf_token: csrf }),
  });
  if (submitted.status !== 200)
    throw new Error(`Kratos settings (totp): ${submitted.status} ${await submitted.text()}`);
  return secret;
}

/** The second step of a sign-in with an authenticator app: the aal2 session's cookie value. */
export async function useTotp(session: string, secret: string): Promise<string> {
  const { flow, cookie, csrf } = await startBrowserFlow('login/browser?aal=aal2', session);
  const submitted = await fetch(`${testStack().kratos_public_url}/self-service/login?flow=${flow.id}`, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json', cookie },
    body: JSON.stringify({ method: 'totp', totp_code: authenticator.generate(secret), csrf_token: csrf }),
  });
  const upgraded = cookiesOf(submitted).get('ory_kratos_session');
  if (submitted.status !== 200 || !upgraded)
    throw new Error(`Kratos login (totp): ${submitted.status} ${(await submitted.text()).slice(0, 300)}`);
  return upgraded;
}

export type StaffRole = 'superadmin' | 'operator' | 'support' | 'viewer';

/**
 * A platform staff member: a Kratos `staff` identity made through its admin API, put on the staff
 * with the admin token, signed in, with an authenticator app set up (so the session is aal2).
 */
export async function staffSession(role: StaffRole): Promise<{ person: TestPerson; session: string; secret: string }> {
  const person = await createPerson({ schema: 'staff', name: `Staff ${role}` });
  const added = await adminFetch('POST', '/v1/admin/staff', { email: person.email, role });
  if (added.status !== 201) throw new Error(`POST /v1/admin/staff: ${added.status} ${added.text}`);
  const session = await signIn(person);
  const secret = await enrollTotp(session);
  return { person, session, secret };
}

/** Signs in with the password as a browser would; the value of the `ory_kratos_session` cookie. */
export async function signIn(person: Pick<TestPerson, 'email' | 'password'>): Promise<string> {
  const kratos = testStack().kratos_public_url;
  const started = await fetch(`${kratos}/self-service/login/browser`, { headers: { accept: 'application/json' } });
  const flow = (await started.json()) as {
    id: string;
    ui: { nodes: { attributes: { name?: string; value?: unknown } }[] };
  };
  const csrf = flow.ui.nodes.find((node) => node.attributes.name === 'csrf_token')?.attributes.value;
  const cookie = [...cookiesOf(started)].map(([name, value]) => `${name}=${value}`).join('; ');
  const submitted = await fetch(`${kratos}/self-service/login?flow=${flow.id}`, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json', cookie },
    body: JSON.stringify({ method: 'password', identifier: person.email, password: person.password, csrf_token: csrf }),
  });
  const session = cookiesOf(submitted).get('ory_kratos_session');
  if (submitted.status !== 200 || !session)
    throw new Error(`Kratos login: ${submitted.status} ${(await submitted.text()).slice(0, 300)}`);
  return session;
}

/** A person made an owner of `merchantId` by the platform (admin API), signed in: their session. */
export async function ownerSession(merchantId: string): Promise<string> {
  const person = await createPerson();
  const added = await adminFetch('POST', `/v1/admin/merchants/${merchantId}/members`, {
    email: person.email,
    role: 'owner',
  });
  if (added.status !== 201) throw new Error(`POST /v1/admin/merchants/:id/members: ${added.status} ${added.text}`);
  return signIn(person);
}

/** Calls the API as the console's server does: the person's session, the merchant, the mode. */
export async function consoleFetch<T = unknown>(
  session: string,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  options: { merchant?: string; mode?: string; body?: unknown } = {},
): Promise<FetchResult<T>> {
  const headers: Record<string, string> = { 'tongbao-session': session, 'tongbao-client-ip': '203.0.113.7' };
  if (options.merchant) headers['tongbao-merchant'] = options.merchant;
  if (options.mode) headers['tongbao-mode'] = options.mode;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${testStack().api_url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body: body as T, text };
}
