import { CHANNELS, providerOf, type Channel, type ProviderName } from '../domain/payment';
import type { ApiDeps } from './deps';
import { InvalidRequestError, NotFoundError } from './errors';

/** Which provider account serves one of a merchant's channels in one mode. */
export interface ChannelRouteView {
  merchantId: string;
  livemode: boolean;
  channel: Channel;
  providerAccountId: string;
  provider: ProviderName;
  externalId: string;
  createdAt: Date;
}

interface Row {
  merchant_id: string;
  livemode: boolean;
  channel: Channel;
  provider_account_id: string;
  provider: ProviderName;
  external_id: string;
  created_at: string | Date;
}

const SELECT = `select r.merchant_id, r.livemode, r.channel, r.provider_account_id, a.provider, a.external_id, r.created_at
  from channel_routes r join provider_accounts a on a.id = r.provider_account_id`;

const view = (row: Row): ChannelRouteView => ({
  merchantId: row.merchant_id,
  livemode: row.livemode,
  channel: row.channel,
  providerAccountId: row.provider_account_id,
  provider: row.provider,
  externalId: row.external_id,
  createdAt: new Date(row.created_at),
});

/**
 * The channel routes of a merchant (`channel_routes`): a payment on a channel goes to the account
 * its route names, in the payment's mode (api/payments.service.ts reads it at each create, so a
 * change serves the next payment; payments made before keep their account).
 */
export function createChannelRoutesService(deps: ApiDeps) {
  const { db } = deps;

  async function assertMerchant(merchantId: string): Promise<void> {
    const [found] = await db.fork().execute(`select 1 from merchants where id = ?`, [merchantId]);
    if (!found) throw new NotFoundError('merchant', merchantId);
  }

  return {
    async list(merchantId: string): Promise<ChannelRouteView[]> {
      await assertMerchant(merchantId);
      const rows = await db
        .fork()
        .execute<Row[]>(`${SELECT} where r.merchant_id = ? order by r.livemode, r.channel`, [merchantId]);
      // The table's order, not the alphabet's: alipay_pc before alipay_qr.
      return rows
        .map(view)
        .sort(
          (a, b) =>
            Number(a.livemode) - Number(b.livemode) || CHANNELS.indexOf(a.channel) - CHANNELS.indexOf(b.channel),
        );
    },

    /** Routes the channel, in the mode, to the account: one of the merchant's, of the channel's provider, in that mode. */
    async set(
      merchantId: string,
      params: { channel: Channel; livemode: boolean; providerAccountId: string },
    ): Promise<ChannelRouteView> {
      await assertMerchant(merchantId);
      const [account] = await db
        .fork()
        .execute<{ merchant_id: string; provider: ProviderName; livemode: boolean }[]>(
          `select merchant_id, provider, livemode from provider_accounts where id = ?`,
          [params.providerAccountId],
        );
      const refuse = (why: string) => {
        throw new InvalidRequestError('parameter_invalid', `Invalid provider_account: ${why}`, 'provider_account');
      };
      // Another merchant's account is as unknown as one that does not exist.
      if (!account || account.merchant_id !== merchantId)
        return refuse(`the merchant has no provider account ${params.providerAccountId}`);
      const wanted = providerOf(params.channel);
      if (account.provider !== wanted)
        return refuse(
          `${params.providerAccountId} is a ${account.provider} account; ${params.channel} is served by ${wanted}`,
        );
      if (account.livemode !== params.livemode)
        return refuse(
          `${params.providerAccountId} is a ${account.livemode ? 'live' : 'test'}-mode account; this route is ${params.livemode ? 'live' : 'test'} mode`,
        );
      await db.fork().execute(
        `insert into channel_routes (merchant_id, livemode, channel, provider_account_id) values (?, ?, ?, ?)
         on conflict (merchant_id, livemode, channel) do update set provider_account_id = excluded.provider_account_id, created_at = now()`,
        [merchantId, params.livemode, params.channel, params.providerAccountId],
      );
      const [row] = await db
        .fork()
        .execute<Row[]>(`${SELECT} where r.merchant_id = ? and r.livemode = ? and r.channel = ?`, [
          merchantId,
          params.livemode,
          params.channel,
        ]);
      return view(row);
    },

    /** Removes a route: the channel is then refused for new payments in that mode until routed again. */
    async remove(merchantId: string, channel: Channel, livemode: boolean): Promise<ChannelRouteView> {
      await assertMerchant(merchantId);
      const [row] = await db
        .fork()
        .execute<Row[]>(`${SELECT} where r.merchant_id = ? and r.livemode = ? and r.channel = ?`, [
          merchantId,
          livemode,
          channel,
        ]);
      if (!row) throw new NotFoundError('channel route', `${channel} (${livemode ? 'live' : 'test'} mode)`, 'channel');
      await db
        .fork()
        .execute(`delete from channel_routes where merchant_id = ? and livemode = ? and channel = ?`, [
          merchantId,
          livemode,
          channel,
        ]);
      return view(row);
    },
  };
}

export type ChannelRoutesService = ReturnType<typeof createChannelRoutesService>;
