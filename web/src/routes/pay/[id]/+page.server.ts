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
import {
  ApiRefusedError,
  ApiUnavailableError,
  createPayment,
  getSession,
  startVerification,
  verifyCode,
  wechatOauthUrl,
} from '$lib/server/api';
import { adoptSessionLocale } from '$lib/server/locale';
import { SAVE_DETAILS_CONSENT_VERSION, type CheckoutDetailsInput } from '$lib/checkout';
import {
  detailsErrorOf,
  detailsFromForm,
  filledWith,
  maskedFromForm,
  type DetailsError,
  type DetailsForm,
  type DetailsNotice,
} from '$lib/details';
import { m } from '$lib/paraglide/messages.js';
import { getLocale } from '$lib/paraglide/runtime';
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

/** The platform suspended the merchant since the page was shown: reloaded, the page says so. */
function isSuspension(cause: unknown): boolean {
  return cause instanceof ApiRefusedError && cause.status === 403 && cause.code === 'merchant_suspended';
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
async function payWithOauthCode(
  id: string,
  code: string,
  details: { input: CheckoutDetailsInput; shopperIp: string } | null,
): Promise<true | false | DetailsError> {
  try {
    await createPayment(id, {
      channel: 'wechat_jsapi',
      wechat_oauth_code: code,
      ...(details ? { details: details.input, shopper_ip: details.shopperIp } : {}),
    });
    return true;
  } catch (cause) {
    // The details were refused (a phone saved by someone else, say): the page says so, fields kept.
    const detailsError = cause instanceof ApiRefusedError ? detailsErrorOf(cause) : null;
    if (detailsError) return detailsError;
    if (cause instanceof ApiRefusedError && cause.status === 409) return true; // paid or expired: the page says which
    if (isSuspension(cause)) return true; // the page says the merchant cannot take payments
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

export const load: PageServerLoad = async ({ params, request, locals, url, cookies, getClientAddress }) => {
  let session = await sessionOrError(params.id);
  adoptSessionLocale(locals.locale, session.locale);

  let oauthFailed = false;
  /** The details that went with a WeChat payment the API refused because of them: shown again. */
  let detailsRefusal: { details: DetailsForm; detailsError: DetailsError } | null = null;
  const code = url.searchParams.get('code');
  // `state` is the session's id: a code meant for another session is not used here.
  if (code && url.searchParams.get('state') === session.id && session.status === 'open') {
    const stored = cookies.get(DETAILS_COOKIE);
    cookies.delete(DETAILS_COOKIE, detailsCookieOptions(session.id, url));
    const details = stored ? detailsFromForm(new URLSearchParams(stored)) : null;
    const input = details ? detailsInput(session, details) : undefined;
    const outcome = await payWithOauthCode(
      session.id,
      code,
      input ? { input, shopperIp: clientIp(getClientAddress()) } : null,
    );
    // The code is single-use: the clean URL shows the payment, and a reload cannot send it twice.
    if (outcome === true) redirect(303, `/pay/${session.id}`);
    if (outcome === false) oauthFailed = true;
    else if (details) detailsRefusal = { details, detailsError: outcome };
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
    detailsRefusal,
    qrSvg,
    jsapi: session.status === 'open' ? jsapiOf(action, `${url.origin}/pay/${session.id}`, session.livemode) : null,
    successUrl: successUrlFor(session.success_url, session.id),
    // The countdown starts from the server's clock, so the first render matches on both sides.
    now: Date.now(),
  };
};

/**
 * The details section's part of a pay: only when the shopper ticked the receipt or saving (else
 * nothing typed leaves this server). The consent is the text the shopper read, in the page's
 * language (the session's must be adopted first), with its version.
 */
function detailsInput(session: CheckoutSession, details: DetailsForm): CheckoutDetailsInput | undefined {
  if (session.details_offer === 'none' || (!details.receipt && !details.save)) return undefined;
  const save = details.save && session.details_offer === 'receipt_and_save';
  return {
    ...(details.phone ? { phone: details.phone } : {}),
    ...(details.email ? { email: details.email } : {}),
    ...(details.name ? { name: details.name } : {}),
    receipt: details.receipt,
    save,
    ...(details.verification && details.verified ? { verification: details.verification } : {}),
    ...(save
      ? {
          consent_text: m.details_save_consent({ merchant: session.merchant.name }),
          consent_version: SAVE_DETAILS_CONSENT_VERSION,
        }
      : {}),
    locale: getLocale(),
  };
}

/**
 * WeChat Pay inside WeChat leaves the page for WeChat's OAuth before the payment is made: the
 * details section's fields wait in a cookie of this page's path, in the shopper's own browser,
 * for the ten minutes an OAuth round trip may take, and are used (and dropped) when it comes back.
 */
const DETAILS_COOKIE = 'tongbao_details';
const DETAILS_COOKIE_SECONDS = 600;

function detailsCookieOptions(id: string, url: URL) {
  return { path: `/pay/${id}`, httpOnly: true, sameSite: 'lax' as const, secure: url.protocol === 'https:' };
}

function detailsAsCookie(details: DetailsForm): string {
  const fields = new URLSearchParams({
    details_phone: details.phone,
    details_email: details.email,
    details_name: details.name,
    ...(details.receipt ? { details_receipt: 'on' } : {}),
    ...(details.save ? { details_save: 'on' } : {}),
    ...(details.verification && details.verified
      ? { details_verification: details.verification, details_verified: 'true' }
      : {}),
  });
  return fields.toString();
}

/** What a details action answers when the API refused it: the page's error, and everything typed kept. */
function detailsRefused(cause: unknown, details: DetailsForm, id: string) {
  if (cause instanceof ApiRefusedError) {
    const detailsError = detailsErrorOf(cause);
    if (detailsError) return fail(cause.status, { details, detailsError });
    // Paid or expired meanwhile, or the merchant suspended: the page says which.
    if (cause.status === 409 || isSuspension(cause)) redirect(303, `/pay/${id}`);
  }
  console.error(`saved details for checkout session ${id}: ${cause instanceof Error ? cause.message : cause}`);
  return fail(502, { details, detailsError: 'unavailable' as DetailsError });
}

export const actions: Actions = {
  /** A returning shopper asks for the code of the details saved with their phone. */
  lookup: async (event) => {
    const details = detailsFromForm(await event.request.formData());
    if (!SESSION_ID.test(event.params.id)) error(404, 'No such checkout session');
    const session = await sessionOrError(event.params.id);
    adoptSessionLocale(event.locals.locale, session.locale);
    if (!details.phone) return fail(400, { details, detailsError: 'phone_invalid' as DetailsError });
    try {
      const started = await startVerification(session.id, {
        phone: details.phone,
        locale: getLocale(),
        shopper_ip: clientIp(event.getClientAddress()),
      });
      return {
        details: { ...details, verification: started.id, masked: started.masked_details, verified: false },
        detailsNotice: 'code_sent' as DetailsNotice,
      };
    } catch (cause) {
      if (cause instanceof ApiRefusedError && cause.code === 'saved_details_not_found')
        return { details: { ...details, verification: null }, detailsNotice: 'not_found' as DetailsNotice };
      return detailsRefused(cause, { ...details, verification: null }, session.id);
    }
  },

  /** The shopper typed the code: the saved details fill the section. */
  verify: async (event) => {
    const data = await event.request.formData();
    const details = detailsFromForm(data, { masked: maskedFromForm(data), address: null });
    if (!SESSION_ID.test(event.params.id)) error(404, 'No such checkout session');
    const code = String(data.get('details_code') ?? '').replace(/\s/g, '');
    if (!details.verification) return fail(400, { details, detailsError: 'code_expired' as DetailsError });
    if (!/^\d{6}$/.test(code)) return fail(400, { details, detailsError: 'code_format' as DetailsError });
    try {
      const saved = await verifyCode(event.params.id, details.verification, code);
      return { details: filledWith(details, saved), detailsNotice: 'verified' as DetailsNotice };
    } catch (cause) {
      return detailsRefused(cause, details, event.params.id);
    }
  },

  pay: async (event) => {
    const { params, request, getClientAddress } = event;
    const formData = await request.formData();
    const details = detailsFromForm(formData);
    const chosen = formData.get('channel');
    if (typeof chosen !== 'string' || !(CHANNELS as readonly string[]).includes(chosen))
      return fail(400, { error: 'choose_channel' as PayError, channel: null, details });
    const channel = chosen as Channel;
    if (!SESSION_ID.test(params.id)) error(404, 'No such checkout session');
    // Only when a box is ticked: the session names the merchant and the language of the consent.
    let input: CheckoutDetailsInput | undefined;
    if (details.receipt || details.save) {
      const session = await sessionOrError(params.id);
      adoptSessionLocale(event.locals.locale, session.locale);
      input = detailsInput(session, details);
    }

    if (channel === 'wechat_jsapi') {
      // JSAPI needs the shopper's openid: WeChat's OAuth first, which comes back to load() above.
      let oauthUrl;
      try {
        oauthUrl = providerUrl(await wechatOauthUrl(params.id));
      } catch (cause) {
        if ((cause instanceof ApiRefusedError && cause.status === 409) || isSuspension(cause))
          redirect(303, `/pay/${params.id}`);
        if (cause instanceof ApiRefusedError && cause.param === 'channel')
          return fail(400, { error: 'channel_not_allowed' as PayError, channel, details });
        console.error(
          `WeChat OAuth for checkout session ${params.id} failed:`,
          cause instanceof Error ? cause.message : cause,
        );
        return fail(502, { error: 'unavailable' as PayError, channel, details });
      }
      if (input) {
        event.cookies.set(DETAILS_COOKIE, detailsAsCookie(details), {
          ...detailsCookieOptions(params.id, event.url),
          maxAge: DETAILS_COOKIE_SECONDS,
        });
      }
      redirect(303, oauthUrl);
    }

    let payment;
    try {
      payment = await createPayment(params.id, {
        channel,
        // WeChat's H5 payments must name the shopper's IP, which only this server sees.
        ...(channel === 'wechat_h5' ? { client_ip: clientIp(getClientAddress()) } : {}),
        ...(input ? { details: input, shopper_ip: clientIp(getClientAddress()) } : {}),
      });
    } catch (cause) {
      if (cause instanceof ApiRefusedError) {
        const detailsError = detailsErrorOf(cause);
        if (detailsError || cause.param?.startsWith('details'))
          return fail(cause.status, {
            details,
            detailsError: detailsError ?? ('unavailable' as DetailsError),
            channel,
          });
        // Paid or expired meanwhile, or the merchant suspended: the page says which.
        if (cause.status === 409 || isSuspension(cause)) redirect(303, `/pay/${params.id}`);
        if (cause.status === 404) error(404, 'No such checkout session');
        if (cause.param === 'channel') return fail(400, { error: 'channel_not_allowed' as PayError, channel, details });
      }
      console.error(
        `paying checkout session ${params.id} with ${channel} failed:`,
        cause instanceof Error ? cause.message : cause,
      );
      return fail(502, { error: 'unavailable' as PayError, channel, details });
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
      return fail(502, { error: 'unavailable' as PayError, channel, details });
    }
    // QR codes (and anything else) are shown by the page from the session's payment: after a
    // redirect, reloading the page shows the code again instead of posting the form twice.
    redirect(303, `/pay/${params.id}`);
  },
};
