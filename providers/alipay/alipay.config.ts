import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { ProviderInvalidRequestError } from '../errors';
import type { ProviderEnvironment } from '../provider';
import type { ProviderAccount } from '../../domain/provider-account';
import { describeFirstIssue } from '../wire-issues';

export const ALIPAY_LIVE_GATEWAY = 'https://openapi.alipay.com/gateway.do';

/**
 * Reads a key as merchants paste it: PEM, or the bare base64 that Alipay's key tool prints
 * (PKCS#8 for its "Java" flavour, PKCS#1 for the others). Null when it is not a key.
 */
function readPrivateKey(text: string): KeyObject | null {
  const attempts: Array<() => KeyObject> = text.includes('-----BEGIN')
    ? [() => createPrivateKey(text)]
    : [
        () => createPrivateKey({ key: Buffer.from(text.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'pkcs8' }),
        () => createPrivateKey({ key: Buffer.from(text.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'pkcs1' }),
      ];
  for (const attempt of attempts) {
    try {
      const key = attempt();
      if (key.asymmetricKeyType === 'rsa') return key;
    } catch {
      // try the next encoding
    }
  }
  return null;
}

function readPublicKey(text: string): KeyObject | null {
  try {
    const key = text.includes('-----BEGIN')
      ? createPublicKey(text)
      : createPublicKey({ key: Buffer.from(text.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
    return key.asymmetricKeyType === 'rsa' ? key : null;
  } catch {
    return null;
  }
}

/** An Alipay account's credentials as `provider_accounts` stores them (encrypted at rest). */
export const alipayCredentialsSchema = z.strictObject({
  /** The app id, 16 digits; also the account's `externalId`. */
  appId: z.string().regex(/^\d{16}$/, 'an Alipay app id is 16 digits'),
  /** The merchant's RSA private key (PEM or bare base64, PKCS#1 or PKCS#8): signs requests. */
  privateKey: z.string().refine((key) => readPrivateKey(key) !== null, 'not an RSA private key'),
  /** Alipay's public key for this app (not the app's own public key): verifies answers and notifications. */
  alipayPublicKey: z.string().refine((key) => readPublicKey(key) !== null, 'not an RSA public key'),
});
export type AlipayCredentials = z.infer<typeof alipayCredentialsSchema>;

/** What the sandbox's `POST /_control/accounts {"provider":"alipay"}` answers. */
const sandboxAccountSchema = z.looseObject({
  provider: z.literal('alipay'),
  app_id: z.string(),
  merchant_private_key: z.string(),
  alipay_public_key: z.string(),
});

/** Maps the sandbox's account answer onto the credentials a stored account holds. */
export function alipayCredentialsFromSandbox(json: unknown): AlipayCredentials {
  const sandbox = sandboxAccountSchema.parse(json);
  return alipayCredentialsSchema.parse({
    appId: sandbox.app_id,
    privateKey: sandbox.merchant_private_key,
    alipayPublicKey: sandbox.alipay_public_key,
  });
}

/** Everything the adapter needs to build its alipay-sdk client. */
export interface AlipayClientConfig {
  appId: string;
  /** PKCS#1 PEM, the form alipay-sdk reads by default. */
  privateKeyPem: string;
  /** SPKI PEM. */
  alipayPublicKeyPem: string;
  gateway: string;
}

/**
 * Test-mode accounts talk to the sandbox, live ones to Alipay. Throws ProviderInvalidRequestError
 * when the credentials do not parse or do not belong to the account's app id.
 */
export function alipayClientConfig(account: ProviderAccount, env: ProviderEnvironment): AlipayClientConfig {
  const parsed = alipayCredentialsSchema.safeParse(account.credentials);
  if (!parsed.success) {
    throw new ProviderInvalidRequestError(
      `Alipay credentials of ${account.id} are invalid: ${describeFirstIssue(parsed.error, 'credentials')}`,
    );
  }
  const credentials = parsed.data;
  if (credentials.appId !== account.externalId) {
    throw new ProviderInvalidRequestError(
      `Alipay credentials of ${account.id} are for app ${credentials.appId}, but the account is app ${account.externalId}`,
    );
  }
  let gateway = ALIPAY_LIVE_GATEWAY;
  if (!account.livemode) {
    if (!env.sandboxUrl) {
      throw new ProviderInvalidRequestError(`${account.id} is a test-mode account, but no sandbox is configured`);
    }
    gateway = `${env.sandboxUrl.replace(/\/+$/, '')}/alipay/gateway.do`;
  }
  return {
    appId: credentials.appId,
    privateKeyPem: (readPrivateKey(credentials.privateKey) as KeyObject)
      .export({ type: 'pkcs1', format: 'pem' })
      .toString(),
    alipayPublicKeyPem: (readPublicKey(credentials.alipayPublicKey) as KeyObject)
      .export({ type: 'spki', format: 'pem' })
      .toString(),
    gateway,
  };
}
