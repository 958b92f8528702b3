import type { EntityManager } from '@mikro-orm/postgresql';
import { newId } from '../domain/ids';
import type { ProviderName } from '../domain/payment';
import {
  ApiKeySchema,
  ChannelRouteSchema,
  MerchantSchema,
  ProviderAccountSchema,
  type ApiKey,
  type LiveModeStatus,
  type Merchant,
} from '../db/entities';
import { CHANNELS, providerOf } from '../domain/payment';
import { availableProviders, sandboxAccountFor } from '../providers/registry';
import { ensureReconciliationSchedule, type ScheduledAccount } from '../temporal/reconciliation-schedules';
import { generateApiKey, type ApiKeyCache } from './auth';
import { ConcurrencyLimit } from './concurrency-limit';
import type { ApiDeps } from './deps';
import { AppError, NotFoundError } from './errors';

export interface CreatedMerchant {
  merchant: Merchant;
  testSecretKey: string;
}

/** `apiKeys` is the API's cache of keys, which a revoked key leaves at once. */
export function createMerchantsService(deps: ApiDeps, apiKeys: ApiKeyCache) {
  const { db } = deps;
  // Opening a sandbox account costs the sandbox about a second of CPU (RSA keys, a UnionPay PFX):
  // a burst of merchants opening them all at once made each wait past its timeout (502).
  const sandboxOpenings = new ConcurrencyLimit(2);

  type SandboxAccount = { provider: ProviderName; externalId: string; credentials: unknown };

  async function openSandboxAccounts(providers: ProviderName[]): Promise<SandboxAccount[]> {
    if (!deps.config.sandboxUrl) return [];
    return Promise.all(
      providers.map(async (provider) => ({
        provider,
        ...(await sandboxOpenings.run(() => openSandboxAccount(provider))),
      })),
    );
  }

  /** Stores the accounts (credentials encrypted) and routes every channel of their providers to them. */
  async function attachSandboxAccounts(
    tx: EntityManager,
    merchantId: string,
    accounts: SandboxAccount[],
  ): Promise<ScheduledAccount[]> {
    const attached: ScheduledAccount[] = [];
    for (const account of accounts) {
      const providerAccountId = newId('providerAccount');
      attached.push({ id: providerAccountId, merchantId, provider: account.provider });
      tx.create(ProviderAccountSchema, {
        id: providerAccountId,
        merchantId,
        provider: account.provider,
        livemode: false,
        externalId: account.externalId,
        credentialsEncrypted: deps.secretBox.seal(account.credentials),
        createdAt: new Date(),
      });
      await tx.flush();
      for (const channel of CHANNELS.filter((c) => providerOf(c) === account.provider)) {
        tx.create(ChannelRouteSchema, {
          merchantId,
          livemode: false,
          channel,
          providerAccountId,
          createdAt: new Date(),
        });
      }
    }
    await tx.flush();
    return attached;
  }

  /** Every provider account is reconciled daily; see temporal/reconciliation-schedules.ts. */
  async function scheduleReconciliation(accounts: ScheduledAccount[]): Promise<void> {
    await Promise.all(
      accounts.map((account) => ensureReconciliationSchedule(deps.temporal, deps.temporalSettings.taskQueue, account)),
    );
  }

  /** Opens a test-mode account at the sandbox, as a merchant would in the provider's own sandbox console. */
  async function openSandboxAccount(provider: ProviderName): Promise<{ externalId: string; credentials: unknown }> {
    const url = `${deps.config.sandboxUrl}/_control/accounts`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ provider }),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      throw new AppError(
        'provider_error',
        'sandbox_unreachable',
        `The ${provider} sandbox could not be reached.`,
        null,
        { cause: error },
      );
    }
    if (!response.ok)
      throw new AppError(
        'provider_error',
        'sandbox_refused',
        `The ${provider} sandbox refused to open an account (HTTP ${response.status}).`,
      );
    return sandboxAccountFor(provider, await response.json());
  }

  return {
    /** A new merchant with a test key and, when test mode is on, a sandbox account for every provider. */
    async create(params: {
      name: string;
      email?: string;
      liveMode?: LiveModeStatus;
      testKey?: boolean;
    }): Promise<CreatedMerchant> {
      // Accounts are opened before anything is stored, so a sandbox failure leaves no half-made merchant.
      const sandboxAccounts = await openSandboxAccounts(availableProviders());
      const key = generateApiKey(false);
      const merchantId = newId('merchant');
      let attached: ScheduledAccount[] = [];
      const merchant = await db.fork().transactional(async (tx) => {
        const created = tx.create(MerchantSchema, {
          id: merchantId,
          name: params.name,
          email: params.email ?? null,
          // An admin's merchant is vouched for; one signed up in the console waits for an admin's approval.
          liveMode: params.liveMode ?? 'approved',
          status: 'active',
          requireMfa: false,
          createdAt: new Date(),
        });
        // No relations are declared between the schemas, so the merchant is written first for the foreign keys.
        await tx.flush();
        // The console's merchant makes its keys on its Developers page: none is made that nobody sees.
        if (params.testKey !== false)
          tx.create(ApiKeySchema, {
            id: newId('apiKey'),
            merchantId,
            livemode: false,
            keyHash: key.hash,
            redacted: key.redacted,
            createdAt: new Date(),
            revokedAt: null,
          });
        attached = await attachSandboxAccounts(tx, merchantId, sandboxAccounts);
        return created;
      });
      await scheduleReconciliation(attached);
      return { merchant, testSecretKey: key.secret };
    },

    /**
     * Opens sandbox accounts for the providers a merchant has none for yet (a merchant created
     * before a provider was added), routing their channels; returns the providers it opened.
     */
    async ensureSandboxAccounts(merchantId: string): Promise<ProviderName[]> {
      if (!(await db.fork().findOne(MerchantSchema, { id: merchantId })))
        throw new NotFoundError('merchant', merchantId);
      const existing = new Set(
        (await db.fork().find(ProviderAccountSchema, { merchantId, livemode: false })).map(
          (account) => account.provider,
        ),
      );
      const missing = availableProviders().filter((provider) => !existing.has(provider));
      const opened = await openSandboxAccounts(missing);
      const attached = await db.fork().transactional(async (tx) => {
        const accounts = await attachSandboxAccounts(tx, merchantId, opened);
        return accounts;
      });
      await scheduleReconciliation(attached);
      return missing;
    },

    async createApiKey(merchantId: string, livemode: boolean): Promise<{ key: ApiKey; secret: string }> {
      const merchant = await db.fork().findOne(MerchantSchema, { id: merchantId });
      if (!merchant) throw new NotFoundError('merchant', merchantId);
      const generated = generateApiKey(livemode);
      const key = await db.fork().transactional(async (tx) => {
        const row = tx.create(ApiKeySchema, {
          id: newId('apiKey'),
          merchantId,
          livemode,
          keyHash: generated.hash,
          redacted: generated.redacted,
          createdAt: new Date(),
          revokedAt: null,
        });
        await tx.flush();
        return row;
      });
      return { key, secret: generated.secret };
    },

    async revokeApiKey(id: string): Promise<ApiKey> {
      const revoked = await db.fork().transactional(async (tx) => {
        const key = await tx.findOne(ApiKeySchema, { id });
        if (!key) throw new NotFoundError('api_key', id);
        key.revokedAt ??= new Date();
        await tx.flush();
        return key;
      });
      // Once committed: a lookup from now on finds it revoked.
      apiKeys.forget(revoked.keyHash);
      return revoked;
    },
  };
}

export type MerchantsService = ReturnType<typeof createMerchantsService>;
