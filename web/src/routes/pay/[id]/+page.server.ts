import { error, fail, isRedirect, redirect } from '@sveltejs/kit';
import QRCode from 'qrcode';
import { env } from '$env/dynamic/private';
import {
  CHANNELS,
  SESSION_ID,
  channelsFor,
  deviceOf,
  isTerminal,
  successUrlFor,
  wechatPayUnavailable,
  type Channel,
  type CheckoutSession,
  type NextAction,
  type WechatJsapiParams,
} from '$lib/checkout';
import { ApiRefusedError, ApiUnavailableError, createPayment, getSession, wechatOauthUrl } from '$lib/server/api';
import { adoptSessionLocale } from '$lib/server/locale';
import type { Actions, PageServerLoad } from './$types';

/** What the form action tells the page when it cannot go on by itself. */
export type PayError = 'choose_channel' | 'channel_not_allowed' | 'unavailable';

async function sessionOrError(id: string): Promise<CheckoutSession> {
  if (!SESSION_ID.test(id)) error(404, 'No such checkout session');
  let session: CheckoutSession | null;
  try {
    session = await getSession(id);
  } catch (cause) {
    if (cause instanceof ApiUnavailableError) {
      console.error(cause.message);
      error(503, 'The API is unavailable');
    }
    throw cause;
  }
  if (!session) error(404, 'No such checkout session');
  return session;
}

/** Only http(s) pages may receive the shopper: a provider URL is data from another system. */
function providerUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new Error(`refusing to send the shopper to a ${parsed.protocol} URL`);
  return parsed.href;
}

/** adapter-node reports IPv4 peers of a dual-stack socket as `::ffff:1.2.3.4`; WeChat wants `1.2.3.4`. */
function clientIp(address: string): string {
  return address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}

/**
 * The shopper is back from WeChat's OAuth (`?code=…&state=<cs_id>`) after choosing WeChat Pay inside
 * WeChat: the API turns the code into their openid and starts the JSAPI payment. True when it did;
 * false when the code was refused (used, expired) or WeChat could not be asked.
 */
async function payWithOauthCode(id: string, code: string): Promise<boolean> {
  try {
    await createPayment(id, { channel: 'wechat_jsapi', wechat_oauth_code: code });
    return true;
  } catch (cause) {
    if (cause instanceof ApiRefusedError && cause.status === 409) return true; // paid or expired: the page says which
    if (!(cause instanceof ApiRefusedError) && !(cause instanceof ApiUnavailableError)) throw cause;
    console.error(`paying checkout session ${id} with wechat_jsapi failed: ${cause.message}`);
    return false;
  }
}

/**
 * The test-mode stand-in for WeixinJSBridge: the sandbox's page that getBrandWCPayRequest would
 * open, then back to this page. Null for live sessions, and without a sandbox (TONGBAO_SANDBOX_URL).
 */
function sandboxJsapiUrl(params: WechatJsapiParams, returnUrl: string, livemode: boolean): string | null {
  const sandbox = env.TONGBAO_SANDBOX_URL?.replace(/\/$/, '');
  if (livemode || !sandbox) return null;
  const prepayId = params.package.replace(/^prepay_id=/, '');
  const query = new URLSearchParams({ ...params, return_url: returnUrl });
  return `${sandbox}/wechatpay/jsapi/${encodeURIComponent(prepayId)}?${query}`;
}

function jsapiOf(
  action: NextAction | null,
  returnUrl: string,
  livemode: boolean,
): { params: WechatJsapiParams; sandboxUrl: string | null } | null {
  if (action?.type !== 'wechat_jsapi') return null;
  return { params: action.wechat_jsapi, sandboxUrl: sandboxJsapiUrl(action.wechat_jsapi, returnUrl, livemode) };
}

export const load: PageServerLoad = async ({ params, request, locals, url }) => {
  let session = await sessionOrError(params.id);
  adoptSessionLocale(locals.locale, session.locale);

  let oauthFailed = false;
  const code = url.searchParams.get('code');
  // `state` is the session's id: a code meant for another session is not used here.
  if (code && url.searchParams.get('state') === session.id && session.status === 'open') {
    // The code is single-use: the clean URL shows the payment, and a reload cannot send it twice.
    if (await payWithOauthCode(session.id, code)) redirect(303, `/pay/${session.id}`);
    oauthFailed = true;
    session = await sessionOrError(params.id);
  }

  const device = deviceOf(request.headers.get('user-agent') ?? '');
  const payment = session.payment;
  const action = payment && !isTerminal(payment.status) ? payment.next_action : null;
  const qrSvg =
    action?.type === 'display_qr_code' && session.status === 'open'
      ? await QRCode.toString(action.display_qr_code.data, {
          type: 'svg',
          errorCorrectionLevel: 'M',
          margin: 2,
          color: { dark: '#000000', light: '#ffffff' },
        })
      : null;
  return {
    session,
    device,
    channels: channelsFor(device, session.allowed_channels),
    wechatNote: wechatPayUnavailable(device, session.allowed_channels),
    oauthFailed,
    qrSvg,
    jsapi: session.status === 'open' ? jsapiOf(action, `${url.origin}/pay/${session.id}`, session.livemode) : null,
    successUrl: successUrlFor(session.success_url, session.id),
    // The countdown starts from the server's clock, so the first render matches on both sides.
    now: Date.now(),
  };
};

export const actions: Actions = {
  pay: async ({ params, request, getClientAddress }) => {
    const formData = await request.formData();
    const chosen = formData.get('channel');
    if (typeof chosen !== 'string' || !(CHANNELS as readonly string[]).includes(chosen))
      return fail(400, { error: 'choose_channel' as PayError, channel: null });
    const channel = chosen as Channel;
    if (!SESSION_ID.test(params.id)) error(404, 'No such checkout session');

    if (channel === 'wechat_jsapi') {
      // JSAPI needs the shopper's openid: WeChat's OAuth first, which comes back to load() above.
      let oauthUrl;
      try {
        oauthUrl = providerUrl(await wechatOauthUrl(params.id));
      } catch (cause) {
        if (cause instanceof ApiRefusedError && cause.status === 409) redirect(303, `/pay/${params.id}`);
        if (cause instanceof ApiRefusedError && cause.param === 'channel')
          return fail(400, { error: 'channel_not_allowed' as PayError, channel });
        console.error(
          `WeChat OAuth for checkout session ${params.id} failed:`,
          cause instanceof Error ? cause.message : cause,
        );
        return fail(502, { error: 'unavailable' as PayError, channel });
      }
      redirect(303, oauthUrl);
    }

    let payment;
    try {
      payment = await createPayment(params.id, {
        channel,
        // WeChat's H5 payments must name the shopper's IP, which only this server sees.
        ...(channel === 'wechat_h5' ? { client_ip: clientIp(getClientAddress()) } : {}),
      });
    } catch (cause) {
      if (cause instanceof ApiRefusedError) {
        // Paid or expired meanwhile: the page says which.
        if (cause.status === 409) redirect(303, `/pay/${params.id}`);
        if (cause.status === 404) error(404, 'No such checkout session');
        if (cause.param === 'channel') return fail(400, { error: 'channel_not_allowed' as PayError, channel });
      }
      console.error(
        `paying checkout session ${params.id} with ${channel} failed:`,
        cause instanceof Error ? cause.message : cause,
      );
      return fail(502, { error: 'unavailable' as PayError, channel });
    }

    const next = payment.next_action;
    try {
      if (next?.type === 'redirect_to_url') {
        const { url, method, form } = next.redirect_to_url;
        if (method === 'GET') redirect(303, providerUrl(url));
        // A POST can only be made by the browser itself: the page renders the form and submits it.
        return { post: { channel, url: providerUrl(url), fields: form ?? {} } };
      }
    } catch (cause) {
      if (isRedirect(cause)) throw cause;
      console.error(`payment ${payment.id}: ${(cause as Error).message}`);
      return fail(502, { error: 'unavailable' as PayError, channel });
    }
    // QR codes (and anything else) are shown by the page from the session's payment: after a
    // redirect, reloading the page shows the code again instead of posting the form twice.
    redirect(303, `/pay/${params.id}`);
  },
};
