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

export function decryptAccount(row: ProviderAccountRow, secretBox: SecretBox): ProviderAccount {
  return {
    id: row.id,
    provider: row.provider,
    livemode: row.livemode,
    externalId: row.externalId,
    credentials: secretBox.open(row.credentialsEncrypted),
  };
}
