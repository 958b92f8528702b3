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
    const found = await fetch(`${kratosAdminUrl}/admin/identities?credentials_identifier=${DEMO_EMAIL}`);
    const existing = (await found.json())[0];
    if (!existing) {
      const created = await fetch(`${kratosAdminUrl}/admin/identities`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          schema_id: 'merchant_user',
          traits: { email: DEMO_EMAIL, name: 'Demo Owner', locale: 'zh-CN' },
          credentials: { password: { config: { password } } },
          verifiable_addresses: [{ value: DEMO_EMAIL, verified: true, via: 'email', status: 'completed' }],
        }),
      });
      if (created.status !== 201)
        throw new Error(`Kratos createIdentity: HTTP ${created.status} ${await created.text()}`);
    }
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
