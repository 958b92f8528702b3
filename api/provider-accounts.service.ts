import { z } from 'zod';
import { decryptAccount } from '../db/provider-accounts.store';
import { newId, randomToken } from '../domain/ids';
import type { Channel, ProviderName } from '../domain/payment';
import type { CheckOutcome, CredentialPart } from '../domain/provider-account';
import { ProviderError } from '../providers/errors';
import type { CredentialsForm } from '../providers/credentials-input';
import { availableProviders, checkCredentials, credentialsFormFor } from '../providers/registry';
import { ensureReconciliationSchedule } from '../temporal/reconciliation-schedules';
import type { ApiDeps } from './deps';
import { ConflictError, InvalidRequestError, NotFoundError } from './errors';
import { parse } from './validation';

/** A provider account as admins see it: who it is at the provider and its credentials by fingerprint, never a secret. */
export interface ProviderAccountView {
  id: string;
  merchantId: string;
  provider: ProviderName;
  livemode: boolean;
  externalId: string;
  parts: CredentialPart[];
  /** Why the stored credentials could not be read (the adapter would refuse them too); null when they could. */
  credentialsError: string | null;
  /** The channels routed to it. */
  channels: Channel[];
  createdAt: Date;
  credentialsUpdatedAt: Date | null;
  lastCheck: CredentialsCheck | null;
}

/** The outcome of a "test credentials" check: a signed query to the provider (the sandbox in test mode). */
export interface CredentialsCheck {
  ok: boolean;
  outcome: CheckOutcome;
  /** What the provider answered, in its words; null when it was not reached. */
  providerAnswer: { code: string | null; message: string } | null;
  message: string;
  checkedAt: Date;
}

interface Row {
  id: string;
  merchant_id: string;
  provider: ProviderName;
  livemode: boolean;
  external_id: string;
  credentials_encrypted: string;
  created_at: string | Date;
  credentials_updated_at: string | Date | null;
  // Checks stored before `outcome` existed lack it.
  last_check: (Omit<CredentialsCheck, 'checkedAt' | 'outcome'> & { checkedAt: string; outcome?: CheckOutcome }) | null;
  channels: Channel[];
}

const SELECT = `select a.id, a.merchant_id, a.provider, a.livemode, a.external_id, a.credentials_encrypted, a.created_at,
    a.credentials_updated_at, a.last_check,
    coalesce((select array_agg(r.channel order by r.channel) from channel_routes r where r.provider_account_id = a.id), '{}') as channels
  from provider_accounts a`;

/** The create body: the provider decides which credentials fields are asked for. */
export function createProviderAccountSchema() {
  const [first, ...rest] = availableProviders().map((provider) =>
    z.strictObject({
      provider: z.literal(provider),
      livemode: z.boolean().default(false),
      credentials: fullCredentials(credentialsFormFor(provider)),
    }),
  );
  return z.discriminatedUnion('provider', [first, ...rest]);
}

/** An edit's body: any of the provider's fields; those left out are kept. */
export function updateProviderAccountSchema(provider: ProviderName) {
  return z.strictObject({ credentials: z.strictObject(credentialsFormFor(provider).fields).partial() });
}

const fullCredentials = (form: CredentialsForm) =>
  z.strictObject(form.fields).superRefine((input, ctx) => form.check(input, ctx));

/** An order number no provider can know: the credentials check asks for it (UnionPay's orderId is 8–32 letters and digits). */
const checkOrderNumber = () => `tbcheck${randomToken(20)}`;

/**
 * Provider accounts as the platform's admins manage them: made from uploaded key files, their
 * credentials replaced, tested against the provider. Credentials are sealed (db/secret-box.ts)
 * and never answered: the views carry fingerprints. Adapters notice a replacement at their next
 * call (providers/provider-cache.ts compares the sealed text).
 */
export function createProviderAccountsService(deps: ApiDeps) {
  const { db } = deps;
  const providerEnv = { sandboxUrl: deps.config.sandboxUrl };

  function view(row: Row): ProviderAccountView {
    let parts: CredentialPart[] = [];
    let credentialsError: string | null = null;
    try {
      parts = credentialsFormFor(row.provider).describe(deps.secretBox.open(row.credentials_encrypted));
    } catch (error) {
      // A zod issue names the field and why, never the value; anything else is said generally.
      credentialsError =
        error instanceof z.ZodError
          ? `${error.issues[0].path.join('.')}: ${error.issues[0].message}`
          : 'the stored credentials could not be read';
    }
    return {
      id: row.id,
      merchantId: row.merchant_id,
      provider: row.provider,
      livemode: row.livemode,
      externalId: row.external_id,
      parts,
      credentialsError,
      channels: row.channels,
      createdAt: new Date(row.created_at),
      credentialsUpdatedAt: row.credentials_updated_at === null ? null : new Date(row.credentials_updated_at),
      lastCheck: row.last_check
        ? {
            ...row.last_check,
            outcome: row.last_check.outcome ?? (row.last_check.ok ? 'passed' : 'refused'),
            checkedAt: new Date(row.last_check.checkedAt),
          }
        : null,
    };
  }

  async function find(id: string): Promise<Row> {
    const [row] = await db.fork().execute<Row[]>(`${SELECT} where a.id = ?`, [id]);
    if (!row) throw new NotFoundError('provider account', id);
    return row;
  }

  async function assertMerchant(merchantId: string): Promise<void> {
    const [found] = await db.fork().execute(`select 1 from merchants where id = ?`, [merchantId]);
    if (!found) throw new NotFoundError('merchant', merchantId);
  }

  /** What the provider said, read from the adapter's error: its code, and why the check failed in plain words. */
  function failedCheck(error: unknown, provider: ProviderName): Omit<CredentialsCheck, 'checkedAt'> {
    if (!(error instanceof ProviderError)) {
      deps.logger.error({ err: error, provider }, 'credentials check failed unexpectedly');
      return {
        ok: false,
        outcome: 'error',
        providerAnswer: null,
        message: 'The check could not be made (an internal error, logged).',
      };
    }
    const answer = { code: error.providerCode, message: error.message };
    if (error.providerCode === 'response_signature_invalid')
      return {
        ok: false,
        outcome: 'provider_signature_invalid',
        providerAnswer: answer,
        message: `${provider} answered, but its signature did not verify with the provider key or certificate stored: upload the provider's own key.`,
      };
    if (error.retryable)
      return {
        ok: false,
        outcome: 'unavailable',
        providerAnswer: answer,
        message: `${provider} could not be reached or was busy; the credentials were not judged. Try again.`,
      };
    return {
      ok: false,
      outcome: 'refused',
      providerAnswer: answer,
      message: `${provider} refused the signed request: the credentials do not work (${error.providerCode ?? 'no code'}).`,
    };
  }

  return {
    async listForMerchant(merchantId: string): Promise<ProviderAccountView[]> {
      await assertMerchant(merchantId);
      const rows = await db
        .fork()
        .execute<Row[]>(`${SELECT} where a.merchant_id = ? order by a.livemode, a.provider, a.created_at, a.id`, [
          merchantId,
        ]);
      return rows.map(view);
    },

    async get(id: string): Promise<ProviderAccountView> {
      return view(await find(id));
    },

    /** A new account from uploaded credentials; it serves no channel until a route names it. */
    async create(merchantId: string, body: unknown): Promise<ProviderAccountView> {
      const params = parse(createProviderAccountSchema(), body);
      await assertMerchant(merchantId);
      const form = credentialsFormFor(params.provider);
      const input = params.credentials as Record<string, unknown>;
      const externalId = String(input[form.externalIdField]);
      const id = newId('providerAccount');
      const [inserted] = await db.fork().execute<{ id: string }[]>(
        `insert into provider_accounts (id, merchant_id, provider, livemode, external_id, credentials_encrypted, credentials_updated_at)
         values (?, ?, ?, ?, ?, ?, now()) on conflict do nothing returning id`,
        [id, merchantId, params.provider, params.livemode, externalId, deps.secretBox.seal(form.toStored(input))],
      );
      if (!inserted)
        throw new ConflictError(
          'provider_account_exists',
          `The merchant already has a ${params.livemode ? 'live' : 'test'}-mode ${params.provider} account for ${externalId}; replace its credentials instead.`,
          `credentials[${form.externalIdField}]`,
        );
      // The worker schedules every account at its start too: a failure here is caught up there.
      await ensureReconciliationSchedule(deps.temporal, deps.temporalSettings.taskQueue, {
        id,
        merchantId,
        provider: params.provider,
      }).catch((error) => deps.logger.error({ err: error, account: id }, 'could not schedule the reconciliation'));
      return view(await find(id));
    },

    /**
     * Replaces some or all of an account's credentials; those not sent are kept, and the whole is
     * checked again. The provider's id for the account (app id, mchid, merId) cannot change: its
     * payments are known to the provider under it.
     */
    async update(id: string, body: unknown): Promise<ProviderAccountView> {
      const row = await find(id);
      const form = credentialsFormFor(row.provider);
      const { credentials: given } = parse(updateProviderAccountSchema(row.provider), body);
      if (Object.keys(given).length === 0)
        throw new InvalidRequestError(
          'parameter_missing',
          'Send at least one credentials field to replace.',
          'credentials',
        );
      let kept: Record<string, unknown> = {};
      try {
        kept = form.toInput(deps.secretBox.open(row.credentials_encrypted));
      } catch {
        // Unreadable: the edit must then send every field, which the full check below asks for by name.
      }
      for (const field of Object.keys(given))
        for (const superseded of form.supersedes[field] ?? []) delete kept[superseded];
      const merged = { ...kept, ...given };
      const externalIdParam = `credentials[${form.externalIdField}]`;
      if (given[form.externalIdField] !== undefined && given[form.externalIdField] !== row.external_id)
        throw new InvalidRequestError(
          'parameter_invalid',
          `Invalid ${externalIdParam}: this account is ${row.external_id} at ${row.provider}, which cannot change; create another account and route its channels to it.`,
          externalIdParam,
        );
      const { credentials } = parse(z.strictObject({ credentials: fullCredentials(form) }), { credentials: merged });
      await db
        .fork()
        .execute(
          `update provider_accounts set credentials_encrypted = ?, credentials_updated_at = now(), last_check = null where id = ?`,
          [deps.secretBox.seal(form.toStored(credentials)), id],
        );
      return view(await find(id));
    },

    /**
     * Asks the provider about an order number it cannot know, signed with the account's key: a
     * signed "no such order" proves both the key the provider knows and the provider key stored.
     * Never throws for a failed check: the answer says why.
     */
    async check(id: string): Promise<{ account: ProviderAccountView; check: CredentialsCheck }> {
      const row = await find(id);
      const outTradeNo = checkOrderNumber();
      let outcome: Omit<CredentialsCheck, 'checkedAt'>;
      try {
        const account = decryptAccount(
          {
            id: row.id,
            provider: row.provider,
            livemode: row.livemode,
            externalId: row.external_id,
            credentialsEncrypted: row.credentials_encrypted,
          },
          deps.secretBox,
        );
        outcome = {
          ok: true,
          outcome: 'passed',
          providerAnswer: await checkCredentials(account, providerEnv, outTradeNo),
          message: `${row.provider} answered a signed query about order ${outTradeNo} (which cannot exist), and its answer's signature verified: the credentials work.`,
        };
      } catch (error) {
        outcome = failedCheck(error, row.provider);
      }
      const check: CredentialsCheck = { ...outcome, checkedAt: new Date() };
      await db
        .fork()
        .execute(`update provider_accounts set last_check = ? where id = ?`, [
          JSON.stringify({ ...check, checkedAt: check.checkedAt.toISOString() }),
          id,
        ]);
      return { account: view(await find(id)), check };
    },
  };
}

export type ProviderAccountsService = ReturnType<typeof createProviderAccountsService>;
