import type { ProviderAccount } from '../domain/provider-account';
import type { ProviderName } from '../domain/payment';
import type { PaymentProvider, ProviderEnvironment } from './provider';
import { providerFor } from './registry';

/** Accounts kept at most; past it the oldest goes (a process serves a few thousand accounts at most). */
const MAX_ACCOUNTS = 2_000;

/** A provider account as stored: its credentials still sealed (db/'s `provider_accounts` row). */
export interface SealedProviderAccount {
  id: string;
  provider: ProviderName;
  livemode: boolean;
  externalId: string;
  credentialsEncrypted: string;
}

/**
 * The adapters of provider accounts, kept across activities and notifications. Building one
 * decrypts the account's credentials and parses its keys (RSA PEM, certificates): on every query,
 * close and create, that was a sixth of the worker's CPU, and a tenth of the API's on every
 * notification. The adapter is kept with the sealed credentials it was built from, and built again
 * when the row's differ (credentials rotated): callers always pass the row they just read, so a
 * change is seen at the next call. `open` decrypts a row (db/provider-accounts.store.ts's `decryptAccount`).
 */
export function createProviderCache(
  open: (sealed: SealedProviderAccount) => ProviderAccount,
  env: ProviderEnvironment,
) {
  const adapters = new Map<string, { row: SealedProviderAccount; provider: PaymentProvider }>();
  const same = (a: SealedProviderAccount, b: SealedProviderAccount): boolean =>
    a.credentialsEncrypted === b.credentialsEncrypted &&
    a.externalId === b.externalId &&
    a.livemode === b.livemode &&
    a.provider === b.provider;

  return {
    /** The adapter for the account as `row` describes it now. */
    providerOf(row: SealedProviderAccount): PaymentProvider {
      const kept = adapters.get(row.id);
      if (kept && same(kept.row, row)) return kept.provider;
      const provider = providerFor(open(row), env);
      adapters.delete(row.id);
      adapters.set(row.id, {
        row: {
          id: row.id,
          provider: row.provider,
          livemode: row.livemode,
          externalId: row.externalId,
          credentialsEncrypted: row.credentialsEncrypted,
        },
        provider,
      });
      if (adapters.size > MAX_ACCOUNTS) adapters.delete(adapters.keys().next().value as string);
      return provider;
    },
  };
}

export type ProviderCache = ReturnType<typeof createProviderCache>;
