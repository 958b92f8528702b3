/**
 * The page's only way to the API: the public checkout routes (`/checkout/sessions/…`), called from
 * the server so that the browser never needs to reach the API. TONGBAO_API_URL names it.
 */
import { env } from '$env/dynamic/private';
import type {
  Channel,
  CheckoutDetailsInput,
  CheckoutSession,
  MaskedDetails,
  SessionPayment,
  VerifiedDetails,
} from '$lib/checkout';

const TIMEOUT_MS = 15_000;

/** The API could not be reached, or answered in a way the page cannot use. */
export class ApiUnavailableError extends Error {
  override name = 'ApiUnavailableError';
}

/** The API refused a request; `code` and `param` come from its error body. */
export class ApiRefusedError extends Error {
  override name = 'ApiRefusedError';
  constructor(
    readonly status: number,
    readonly code: string | null,
    readonly param: string | null,
    message: string,
  ) {
    super(message);
  }
}

function apiUrl(): string {
  const url = env.TONGBAO_API_URL;
  if (!url) throw new ApiUnavailableError('TONGBAO_API_URL is not set: the checkout does not know where the API is.');
  return url.replace(/\/$/, '');
}

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${apiUrl()}${path}`, {
      method,
      headers:
        body === undefined
          ? { accept: 'application/json' }
          : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new ApiUnavailableError(`${method} ${path}: ${(error as Error).message}`);
  }
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiUnavailableError(`${method} ${path} answered ${response.status} with a body that is not JSON`);
  }
  if (response.ok) return parsed as T;
  const error = (parsed as { error?: { code?: string; param?: string; message?: string } } | null)?.error;
  if (response.status >= 500 || !error)
    throw new ApiUnavailableError(
      `${method} ${path} answered ${response.status}: ${error?.message ?? text.slice(0, 200)}`,
    );
  throw new ApiRefusedError(
    response.status,
    error.code ?? null,
    error.param ?? null,
    error.message ?? `HTTP ${response.status}`,
  );
}

/** The session, or null when the API knows no such session. */
export async function getSession(id: string): Promise<CheckoutSession | null> {
  try {
    return await call<CheckoutSession>('GET', `/checkout/sessions/${encodeURIComponent(id)}`);
  } catch (error) {
    if (error instanceof ApiRefusedError && (error.status === 404 || error.status === 400)) return null;
    throw error;
  }
}

export interface PayParams {
  channel: Channel;
  client_ip?: string;
  /** wechat_jsapi: the code WeChat's OAuth brought back; the API turns it into the shopper's openid. */
  wechat_oauth_code?: string;
  /** The details section, only when the shopper ticked the receipt or saving. */
  details?: CheckoutDetailsInput;
  /** The shopper's address as this server sees it: recorded with a consent. */
  shopper_ip?: string;
}

/** Starts (or replaces) the session's payment with a channel; throws ApiRefusedError on 400/409. */
export async function createPayment(id: string, params: PayParams): Promise<SessionPayment> {
  const answer = await call<{ payment: SessionPayment }>(
    'POST',
    `/checkout/sessions/${encodeURIComponent(id)}/payments`,
    params,
  );
  if (!answer?.payment?.id)
    throw new ApiUnavailableError('POST /checkout/sessions/:id/payments answered without a payment');
  return answer.payment;
}

/**
 * Where to send a shopper in WeChat's browser so that WeChat identifies them (snsapi_base, no
 * consent screen) and sends them back to `/pay/<id>?code=…&state=<id>`.
 */
export async function wechatOauthUrl(id: string): Promise<string> {
  const answer = await call<{ url?: string }>('GET', `/checkout/sessions/${encodeURIComponent(id)}/wechat_oauth`);
  if (!answer?.url) throw new ApiUnavailableError('GET /checkout/sessions/:id/wechat_oauth answered without a url');
  return answer.url;
}

export interface VerificationStarted {
  id: string;
  masked_details: MaskedDetails;
  expires_at: string;
}

/**
 * A returning shopper's phone: the API sends an SMS code when the merchant has details saved with
 * it (answering them masked), and refuses with 404 `saved_details_not_found` when it has none.
 */
export async function startVerification(
  id: string,
  params: { phone: string; locale: string; shopper_ip?: string },
): Promise<VerificationStarted> {
  const answer = await call<VerificationStarted>(
    'POST',
    `/checkout/sessions/${encodeURIComponent(id)}/customer_verifications`,
    params,
  );
  if (!answer?.id)
    throw new ApiUnavailableError('POST /checkout/sessions/:id/customer_verifications answered without an id');
  return answer;
}

/** The code the shopper typed; the saved details in full when it is right, ApiRefusedError when not. */
export async function verifyCode(id: string, verification: string, code: string): Promise<VerifiedDetails> {
  const answer = await call<{ details?: VerifiedDetails }>(
    'POST',
    `/checkout/sessions/${encodeURIComponent(id)}/customer_verifications/${encodeURIComponent(verification)}/verify`,
    { code },
  );
  if (!answer?.details)
    throw new ApiUnavailableError('POST …/customer_verifications/:id/verify answered without details');
  return answer.details;
}
