import { ChannelRouteSchema, type CheckoutSessionRow } from '../db/entities';
import { loadProviderAccount } from '../db/provider-accounts.store';
import { ProviderError } from '../providers/errors';
import type { ShopperIdentification } from '../providers/provider';
import { shopperIdentificationFor } from '../providers/registry';
import type { ApiDeps } from './deps';
import { AppError, InvalidRequestError } from './errors';

type CheckoutSession = CheckoutSessionRow;

/**
 * WeChat Pay inside WeChat (wechat_jsapi) on the hosted checkout: the shopper is identified by an
 * openid under the merchant's appid, which WeChat's web OAuth gives the page as a code.
 */
export function createCheckoutWechat(deps: ApiDeps) {
  const { db } = deps;

  /**
   * How the provider behind the merchant's wechat_jsapi route identifies the shopper: the openid must
   * belong to that account's appid.
   */
  async function jsapiIdentification(session: CheckoutSession): Promise<ShopperIdentification> {
    if (!session.allowedChannels.includes('wechat_jsapi'))
      throw new InvalidRequestError(
        'channel_not_allowed',
        'WeChat Pay inside WeChat is not offered for this checkout session.',
        'channel',
      );
    const route = await db.fork().findOne(ChannelRouteSchema, {
      merchantId: session.merchantId,
      livemode: session.livemode,
      channel: 'wechat_jsapi',
    });
    const account = route ? await loadProviderAccount(db.fork(), deps.secretBox, route.providerAccountId) : null;
    if (!account)
      throw new InvalidRequestError(
        'channel_not_configured',
        'WeChat Pay is not configured for this merchant.',
        'channel',
      );
    const identification = shopperIdentificationFor(account, { sandboxUrl: deps.config.sandboxUrl });
    if (!identification)
      throw new Error(`provider ${account.provider} cannot identify shoppers, yet serves wechat_jsapi`);
    return identification;
  }

  /** The shopper's openid under the merchant's appid, from the code WeChat's OAuth gave the page. */
  async function openidFor(session: CheckoutSession, code: string): Promise<string> {
    try {
      return await (await jsapiIdentification(session)).shopperIdFromCode(code);
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      if (!error.retryable)
        throw new InvalidRequestError('wechat_oauth_code_invalid', `${error.message}`, 'wechat_oauth_code');
      throw new AppError(
        'provider_error',
        'wechat_unavailable',
        'WeChat could not be reached to identify the shopper; try again.',
        null,
        { cause: error },
      );
    }
  }

  return { jsapiIdentification, openidFor };
}
