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
  /** Accounts found by a field of their secrets, keyed `provider/field=value`. */
  private readonly bySecretField = new Map<string, StoredAccount>();

  /**
   * `pool` is the sandbox's database: simulators keep there what belongs to an account but is
   * not its secrets (WeChat's OAuth codes, `sandbox/wechatpay/wechatpay.oauth.ts`).
   */
  constructor(readonly pool: Pool) {}

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

  /**
   * Opens an account under an id `draw` picks, drawing again while the id is taken, and answers
   * the draw that was stored. `draw` makes everything that depends on the id (a certificate issued
   * to it, say); only `accountId` and `secrets` are stored.
   */
  async insertUnderFreshId<D extends { accountId: string; secrets: unknown }>(
    provider: string,
    draw: () => D | Promise<D>,
  ): Promise<D> {
    for (;;) {
      const drawn = await draw();
      if (await this.insert({ provider, accountId: drawn.accountId, secrets: drawn.secrets, createdAt: new Date() }))
        return drawn;
    }
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

  /**
   * The account whose secrets hold `value` at `field` (WeChat's appid: OAuth names the 公众号, not
   * the mchid); the oldest if several do. Unindexed: a sandbox holds few accounts.
   */
  async findBySecretField<S>(provider: string, field: string, value: string): Promise<StoredAccount<S> | null> {
    const cacheKey = `${provider}/${field}=${value}`;
    const cached = this.bySecretField.get(cacheKey);
    if (cached) return cached as StoredAccount<S>;
    const { rows } = await this.pool.query<{ account_id: string; secrets: S; created_at: Date }>(
      `SELECT account_id, secrets, created_at FROM sandbox_accounts WHERE provider = $1 AND secrets ->> $2 = $3
       ORDER BY created_at, account_id LIMIT 1`,
      [provider, field, value],
    );
    if (!rows[0]) return null;
    const account: StoredAccount<S> = {
      provider,
      accountId: rows[0].account_id,
      secrets: rows[0].secrets,
      createdAt: rows[0].created_at,
    };
    this.bySecretField.set(cacheKey, account);
    return account;
  }
}
