import type { EntityManager } from '@mikro-orm/postgresql';
import { MerchantSchema, type LogoType, type Merchant as MerchantRow } from '../db/entities';
import type { CheckoutLocale } from '../domain/checkout-session';
import type { ApiDeps } from './deps';
import { ConflictError, NotFoundError } from './errors';
import type { Merchant } from './payments.service';

/** A partial update of the account: a field left out stays, null clears it. */
export interface UpdateAccountParams {
  display_name?: string | null;
  logo?: { bytes: Buffer; type: LogoType } | null;
  brand_color?: string | null;
  default_locale?: CheckoutLocale | null;
  /** Checked by the route: only an owner changes it. */
  require_mfa?: boolean;
}

/** A checkout session's language when its merchant named none: the account's default_locale, else zh-CN. */
export async function checkoutLocaleOf(em: EntityManager, merchantId: string): Promise<CheckoutLocale> {
  const row = await em.findOne(MerchantSchema, { id: merchantId }, { fields: ['defaultLocale'] });
  return row?.defaultLocale ?? 'zh-CN';
}

/** The merchant's own account: its name and the hosted checkout's branding. */
export function createAccountService(deps: ApiDeps) {
  const { db } = deps;

  async function find(merchant: Merchant): Promise<MerchantRow> {
    const row = await db.fork().findOne(MerchantSchema, { id: merchant.id }, { populate: ['logo'] });
    if (!row) throw new NotFoundError('merchant', merchant.id);
    return row;
  }

  return {
    find,

    async update(merchant: Merchant, params: UpdateAccountParams): Promise<MerchantRow> {
      const changed: Record<string, unknown> = {};
      if (params.display_name !== undefined) changed.displayName = params.display_name;
      if (params.brand_color !== undefined) changed.brandColor = params.brand_color;
      if (params.default_locale !== undefined) changed.defaultLocale = params.default_locale;
      if (params.require_mfa !== undefined) changed.requireMfa = params.require_mfa;
      if (params.logo !== undefined) {
        changed.logo = params.logo?.bytes ?? null;
        changed.logoType = params.logo?.type ?? null;
      }
      if (Object.keys(changed).length) await db.fork().nativeUpdate(MerchantSchema, { id: merchant.id }, changed);
      return find(merchant);
    },

    /**
     * Asks the platform to open live mode (an admin approves it in the admin console). Asking
     * again while it waits answers the same request; asking once it is open is a conflict.
     */
    async requestLiveMode(merchant: Merchant): Promise<MerchantRow> {
      await db
        .fork()
        .nativeUpdate(
          MerchantSchema,
          { id: merchant.id, liveMode: 'unavailable' },
          { liveMode: 'requested', liveModeRequestedAt: new Date() },
        );
      const row = await find(merchant);
      if (row.liveMode === 'approved')
        throw new ConflictError('live_mode_approved_already', 'Live mode is open to this merchant already.');
      return row;
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
