import type { ProviderAccountRow } from '../db/entities';
import { decryptAccount } from '../db/provider-accounts.store';
import type { SecretBox } from '../db/secret-box';
import type { PaymentProvider, ProviderEnvironment } from '../providers/provider';
import { providerFor } from '../providers/registry';

/** Accounts kept at most; past it the oldest goes (a worker serves a few thousand accounts at most). */
const MAX_ACCOUNTS = 2_000;

/**
 * The adapters of provider accounts, kept across activities. Building one decrypts the account's
 * credentials and parses its keys (RSA PEM, certificates): on every query, close and create, that
 * was a sixth of the worker's CPU. The adapter is kept with the sealed credentials it was built
 * from, and built again when the row's differ (credentials rotated): callers always pass the row
 * they just read, so a change is seen at the next activity.
 */
export function createProviderCache(secretBox: SecretBox, env: ProviderEnvironment) {
  const adapters = new Map<string, { row: ProviderAccountRow; provider: PaymentProvider }>();
  const same = (a: ProviderAccountRow, b: ProviderAccountRow): boolean =>
    a.credentialsEncrypted === b.credentialsEncrypted &&
    a.externalId === b.externalId &&
    a.livemode === b.livemode &&
    a.provider === b.provider;

  return {
    /** The adapter for the account as `row` describes it now. */
    providerOf(row: ProviderAccountRow): PaymentProvider {
      const kept = adapters.get(row.id);
      if (kept && same(kept.row, row)) return kept.provider;
      const provider = providerFor(decryptAccount(row, secretBox), env);
      adapters.delete(row.id);
      adapters.set(row.id, { row: { ...row }, provider });
      if (adapters.size > MAX_ACCOUNTS) adapters.delete(adapters.keys().next().value as string);
      return provider;
    },
  };
}

export type ProviderCache = ReturnType<typeof createProviderCache>;
