import { randomToken } from '../domain/ids';
import type { SecretBox } from './secret-box';

/**
 * A new endpoint's signing secret. It is sealed, not hashed: the worker needs the secret itself
 * to sign each delivery. The merchant sees it once, in the create response.
 */
export function newWebhookSecret(secretBox: SecretBox): { secret: string; sealed: string } {
  const secret = `whsec_${randomToken(32)}`;
  return { secret, sealed: secretBox.seal(secret) };
}

/** Raised when a stored webhook secret does not open to a `whsec_…` string: the row or the key is wrong. */
export class WebhookSecretUnreadableError extends Error {
  constructor(webhookEndpointId: string) {
    super(`the signing secret of ${webhookEndpointId} cannot be read`);
    this.name = 'WebhookSecretUnreadableError';
  }
}

export function openWebhookSecret(secretBox: SecretBox, sealed: string, webhookEndpointId: string): string {
  let secret: unknown;
  try {
    secret = secretBox.open(sealed);
  } catch {
    throw new WebhookSecretUnreadableError(webhookEndpointId);
  }
  if (typeof secret !== 'string' || !secret.startsWith('whsec_'))
    throw new WebhookSecretUnreadableError(webhookEndpointId);
  return secret;
}
