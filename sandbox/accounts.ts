import type { Pool } from 'pg';

/** A sandbox merchant account as the simulator keeps it: its id and the secrets the provider side holds. */
export interface StoredAccount<S = unknown> {
  provider: string;
  accountId: string;
  secrets: S;
  createdAt: Date;
}

/** Persists sandbox accounts. They never change once opened, so lookups are cached. */
export class AccountStore {
  private readonly cache = new Map<string, StoredAccount>();

  constructor(private readonly pool: Pool) {}

  /** Stores a new account; false when the id is taken (the caller draws another). */
  async insert<S>(account: StoredAccount<S>): Promise<boolean> {
    const result = await this.pool.query(
      `INSERT INTO sandbox_accounts (provider, account_id, secrets, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (provider, account_id) DO NOTHING`,
      [account.provider, account.accountId, JSON.stringify(account.secrets), account.createdAt],
    );
    if (result.rowCount === 0) return false;
    this.cache.set(`${account.provider}/${account.accountId}`, account);
    return true;
  }

  async get<S>(provider: string, accountId: string): Promise<StoredAccount<S> | null> {
    const cacheKey = `${provider}/${accountId}`;
    const cached = this.cache.get(cacheKey);
    if (cached) return cached as StoredAccount<S>;
    const { rows } = await this.pool.query<{ secrets: S; created_at: Date }>(
      'SELECT secrets, created_at FROM sandbox_accounts WHERE provider = $1 AND account_id = $2',
      [provider, accountId],
    );
    if (!rows[0]) return null;
    const account: StoredAccount<S> = { provider, accountId, secrets: rows[0].secrets, createdAt: rows[0].created_at };
    this.cache.set(cacheKey, account);
    return account;
  }
}
