import type { EntityManager } from '@mikro-orm/postgresql';
import type { ProviderAccount } from '../domain/provider-account';
import { ProviderAccountSchema, type ProviderAccountRow } from './entities';
import type { SecretBox } from './secret-box';

/** Loads a provider account and decrypts its credentials; only activities and the notify endpoint need them. */
export async function loadProviderAccount(
  em: EntityManager,
  secretBox: SecretBox,
  id: string,
): Promise<ProviderAccount | null> {
  const row = await em.findOne(ProviderAccountSchema, { id });
  return row ? decryptAccount(row, secretBox) : null;
}

/**
 * A provider account's row, its credentials still sealed: for a cache of adapters
 * (providers/provider-cache.ts), which opens them only when the row changed. One plain query.
 */
export async function loadSealedProviderAccount(em: EntityManager, id: string): Promise<ProviderAccountRow | null> {
  const [row] = await em.execute<ProviderAccountRow[]>(
    `select id, merchant_id as "merchantId", provider, livemode, external_id as "externalId",
            credentials_encrypted as "credentialsEncrypted", created_at as "createdAt"
       from provider_accounts where id = ?`,
    [id],
  );
  return row ?? null;
}

export function decryptAccount(
  row: Pick<ProviderAccountRow, 'id' | 'provider' | 'livemode' | 'externalId' | 'credentialsEncrypted'>,
  secretBox: SecretBox,
): ProviderAccount {
  return {
    id: row.id,
    provider: row.provider,
    livemode: row.livemode,
    externalId: row.externalId,
    credentials: secretBox.open(row.credentialsEncrypted),
  };
}
