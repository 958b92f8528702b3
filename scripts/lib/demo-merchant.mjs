// The demo merchant `npm run stack` prints, with a test key: kept across runs while its key works.
import { loud } from './log.mjs';
import { httpStatus } from './wait.mjs';

/** Reuses the demo merchant of the last run while its key still works; creates one otherwise. */
export async function ensureDemoMerchant({ apiUrl, adminToken, previous, log }) {
  const known = previous?.demo_merchant;
  if (known?.test_secret_key) {
    const status = await httpStatus(`${apiUrl}/v1/payments?limit=1`, {
      headers: { Authorization: `Bearer ${known.test_secret_key}` },
    });
    if (status === 200) {
      await openMissingSandboxAccounts({ apiUrl, adminToken, merchantId: known.id, log });
      return known;
    }
  }
  try {
    const response = await fetch(`${apiUrl}/v1/admin/merchants`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Demo Shop' }),
    });
    const body = await response.json().catch(() => null);
    if (!response.ok || !body?.merchant?.id) throw new Error(`HTTP ${response.status} ${JSON.stringify(body)}`);
    log(`created demo merchant ${body.merchant.id}`);
    return { id: body.merchant.id, test_secret_key: body.test_secret_key };
  } catch (error) {
    // The stack is still useful without it (tests create their own merchants).
    log(loud(`could not create the demo merchant: POST /v1/admin/merchants failed: ${error.message}`));
    return null;
  }
}

/** A demo merchant from an older run lacks the providers added since: open their sandbox accounts. */
async function openMissingSandboxAccounts({ apiUrl, adminToken, merchantId, log }) {
  try {
    const response = await fetch(`${apiUrl}/v1/admin/merchants/${merchantId}/sandbox_accounts`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
      body: '{}',
    });
    const body = await response.json().catch(() => null);
    if (!response.ok) throw new Error(`HTTP ${response.status} ${JSON.stringify(body)}`);
    if (body.opened.length) log(`demo merchant: opened sandbox accounts for ${body.opened.join(', ')}`);
  } catch (error) {
    log(loud(`could not open the demo merchant's missing sandbox accounts: ${error.message}`));
  }
}

export const DEMO_EMAIL = 'demo@tongbao.local';

/**
 * The person who signs in to the demo merchant's console (dev stack only): a Kratos identity with
 * the stack's demo password and a verified address, owner of the demo merchant. Safe to repeat:
 * an existing identity keeps its password (the person may have changed it), and an existing
 * membership is left as it is.
 */
export async function ensureDemoSignIn({ apiUrl, kratosAdminUrl, adminToken, merchantId, password, log }) {
  try {
    await ensureIdentity(kratosAdminUrl, { schema: 'merchant_user', email: DEMO_EMAIL, name: 'Demo Owner', password });
    const added = await fetch(`${apiUrl}/v1/admin/merchants/${merchantId}/members`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: DEMO_EMAIL, role: 'owner', locale: 'zh-CN' }),
    });
    // 409: the demo owner is a member already (an earlier run).
    if (added.status !== 201 && added.status !== 409) throw new Error(`HTTP ${added.status} ${await added.text()}`);
    return { email: DEMO_EMAIL, password };
  } catch (error) {
    log(loud(`could not set up the demo sign-in: ${error.message}`));
    return null;
  }
}

export const DEMO_ADMIN_EMAIL = 'admin@tongbao.local';

/**
 * The admin console's first superadmin (dev stack only): a Kratos `staff` identity made through
 * its admin API with the stack's demo password, put on the staff with the admin token. The admin
 * console asks them to set up an authenticator app at their first sign-in. Safe to repeat.
 */
export async function ensureDemoAdmin({ apiUrl, kratosAdminUrl, adminToken, password, log }) {
  try {
    await ensureIdentity(kratosAdminUrl, { schema: 'staff', email: DEMO_ADMIN_EMAIL, name: 'Demo Admin', password });
    const added = await fetch(`${apiUrl}/v1/admin/staff`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: DEMO_ADMIN_EMAIL, role: 'superadmin', locale: 'zh-CN' }),
    });
    // 409: on the staff already (an earlier run).
    if (added.status !== 201 && added.status !== 409) throw new Error(`HTTP ${added.status} ${await added.text()}`);
    return { email: DEMO_ADMIN_EMAIL, password };
  } catch (error) {
    log(loud(`could not set up the demo admin: ${error.message}`));
    return null;
  }
}

/** A Kratos identity with a password and a verified address, unless one signs in with that address already (its password kept). */
async function ensureIdentity(kratosAdminUrl, { schema, email, name, password }) {
  const found = await fetch(`${kratosAdminUrl}/admin/identities?credentials_identifier=${email}`);
  if ((await found.json())[0]) return;
  const created = await fetch(`${kratosAdminUrl}/admin/identities`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      schema_id: schema,
      traits: { email, name, locale: 'zh-CN' },
      credentials: { password: { config: { password } } },
      verifiable_addresses: [{ value: email, verified: true, via: 'email', status: 'completed' }],
    }),
  });
  if (created.status !== 201) throw new Error(`Kratos createIdentity: HTTP ${created.status} ${await created.text()}`);
}
