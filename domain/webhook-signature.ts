import { createHmac } from 'node:crypto';

/** The header a merchant verifies a webhook with, Stripe's scheme under Tongbao's name. */
export const SIGNATURE_HEADER = 'Tongbao-Signature';
export const EVENT_ID_HEADER = 'Tongbao-Event-Id';

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` (API.md). The key is the whole
 * `whsec_…` string as the merchant received it, as Stripe does, so a merchant's code never has to
 * strip a prefix. The timestamp is signed with the body so an old delivery cannot be replayed
 * later with a fresh-looking header.
 *
 *   webhookSignatureHeader('whsec_…', '{"id":"evt_…",…}', 1763776800)
 *   // → 't=1763776800,v1=5f1c…'
 *   webhookSignatureHeader(['whsec_new…', 'whsec_old…'], body, 1763776800)
 *   // → 't=1763776800,v1=<new>,v1=<old>' (while the old secret's grace lasts)
 */
export function webhookSignatureHeader(secret: string | string[], rawBody: string, timestampSeconds: number): string {
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0)
    throw new RangeError('the timestamp must be whole unix seconds');
  // Several secrets while an endpoint's secret is being rolled: one v1= each, the newest first, so a
  // merchant verifying with either the old or the new secret finds theirs.
  const signatures = (Array.isArray(secret) ? secret : [secret]).map(
    (one) => `v1=${createHmac('sha256', one).update(`${timestampSeconds}.${rawBody}`, 'utf8').digest('hex')}`,
  );
  return `t=${timestampSeconds},${signatures.join(',')}`;
}
