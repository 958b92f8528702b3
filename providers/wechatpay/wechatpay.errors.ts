import { assertNever } from '../../domain/assert-never';
import {
  isRetryableHttpStatus,
  ProviderDeclinedError,
  ProviderInvalidRequestError,
  ProviderUnavailableError,
  type ProviderError,
} from '../errors';
import { truncated } from '../wire-issues';
import { wechatpayErrorBodySchema } from './wechatpay.types';

/** Everything that can go wrong with one APIv3 call, once wechatpay-axios-plugin's exceptions are read. */
export type WechatpayFailure =
  /** WeChat answered with an HTTP status other than 2xx; `code` when the body is WeChat's error JSON. */
  | { kind: 'response'; status: number; code: string | null; message: string | null }
  /** No answer: timeout, refused connection, reset. */
  | { kind: 'transport'; message: string }
  /** An answer whose signature did not verify, carried an unknown serial, a stale timestamp, or none. */
  | { kind: 'signature'; message: string }
  /** A verified answer that is not what the API documents. */
  | { kind: 'malformed'; message: string }
  /** A download (unsigned) whose digest is not the one the signed answer gave for it. */
  | { kind: 'integrity'; message: string };

export type WechatpayErrorClass = 'declined' | 'invalid_request' | 'unavailable';

/**
 * Error code → what it means for us. WeChat spells some codes both ways (v3's SYSTEM_ERROR, older
 * SYSTEMERROR); both are listed. https://pay.weixin.qq.com/doc/v3/merchant/4012556398 (公共错误码,
 * 业务错误码) and the error list of each API.
 */
export const WECHATPAY_ERROR_CODES: Readonly<Record<string, WechatpayErrorClass>> = {
  // WeChat's trouble or its rate limit: the same request may succeed later.
  SYSTEM_ERROR: 'unavailable',
  SYSTEMERROR: 'unavailable',
  FREQUENCY_LIMITED: 'unavailable',
  BANK_ERROR: 'unavailable',
  BANKERROR: 'unavailable',
  // 账单生成中: yesterday's bill is made after 9 a.m.; WeChat says to try again half an hour later.
  // https://pay.weixin.qq.com/doc/v3/merchant/4013071254
  STATEMENT_CREATING: 'unavailable',
  // The request itself is wrong: our bug or our configuration.
  SIGN_ERROR: 'invalid_request',
  PARAM_ERROR: 'invalid_request',
  INVALID_REQUEST: 'invalid_request',
  APPID_MCHID_NOT_MATCH: 'invalid_request',
  MCH_NOT_EXISTS: 'invalid_request',
  NO_AUTH: 'invalid_request',
  OUT_TRADE_NO_USED: 'invalid_request',
  INVALID_TRANSACTIONID: 'invalid_request',
  OPENID_MISMATCH: 'invalid_request',
  ORDER_NOT_EXIST: 'invalid_request',
  ORDERNOTEXIST: 'invalid_request',
  RESOURCE_NOT_EXISTS: 'invalid_request',
  NOT_FOUND: 'invalid_request',
  // Business refusals: the answer will not change if we ask again.
  NOT_ENOUGH: 'declined',
  NOTENOUGH: 'declined',
  ORDER_CLOSED: 'declined',
  ORDER_PAID: 'declined',
  ORDERPAID: 'declined',
  TRADE_ERROR: 'declined',
  RULE_LIMIT: 'declined',
  RULELIMIT: 'declined',
  USER_ACCOUNT_ABNORMAL: 'declined',
  ACCOUNT_ERROR: 'declined',
  ACCOUNTERROR: 'declined',
};

/** For codes the table does not know, WeChat's HTTP status says enough. */
function classOfStatus(status: number): WechatpayErrorClass {
  if (isRetryableHttpStatus(status)) return 'unavailable';
  // APIv3 answers business refusals with 403 (NOT_ENOUGH, TRADE_ERROR, RULE_LIMIT…).
  if (status === 403) return 'declined';
  return 'invalid_request';
}

/** The one place where a WeChat Pay failure becomes a ProviderError; `operation` goes into the message. */
export function classifyWechatpayFailure(failure: WechatpayFailure, operation: string): ProviderError {
  switch (failure.kind) {
    case 'response': {
      const cls = (failure.code && WECHATPAY_ERROR_CODES[failure.code]) || classOfStatus(failure.status);
      const providerCode = failure.code ?? `http_${failure.status}`;
      const detail = [failure.code, failure.message].filter(Boolean).join(' ');
      const message = `WeChat Pay ${operation} answered HTTP ${failure.status}${detail ? `: ${detail}` : ''}`;
      if (cls === 'declined') return new ProviderDeclinedError(message, providerCode);
      if (cls === 'invalid_request') return new ProviderInvalidRequestError(message, providerCode);
      return new ProviderUnavailableError(message, providerCode);
    }
    case 'transport':
      return new ProviderUnavailableError(
        `WeChat Pay ${operation} could not be reached: ${failure.message}`,
        'network_error',
      );
    case 'signature':
      // Never accepted, but retried: the next attempt may reach the real gateway (a proxy or an
      // attacker may have answered this one), and a key rotation shows up here first.
      return new ProviderUnavailableError(
        `WeChat Pay ${operation} answer failed signature verification with the configured WeChat Pay keys; it was not trusted. ${failure.message}`,
        'response_signature_invalid',
      );
    case 'malformed':
      return new ProviderUnavailableError(
        `WeChat Pay ${operation} answered something unexpected: ${failure.message}`,
        'malformed_response',
      );
    case 'integrity':
      // Never used, but retried, as an answer with a bad signature is: the next download may arrive whole.
      return new ProviderUnavailableError(
        `WeChat Pay ${operation}: the downloaded file failed its integrity check and was not trusted. ${failure.message}`,
        'download_digest_mismatch',
      );
    default:
      return assertNever(failure);
  }
}

/** wechatpay-axios-plugin's codes for an answer it refused to trust (lib/decorator.js). */
const SIGNATURE_CODES = [
  'EV3_RES_HEADERS_INCOMPLATE',
  'EV3_RES_HEADER_TIMESTAMP_OFFSET',
  'EV3_RES_HEADER_PLATFORM_SERIAL',
  'EV3_RES_HEADER_SIGNATURE_DIGEST',
];

interface AxiosLikeError {
  isAxiosError: true;
  code?: string;
  message: string;
  response?: { status: number; data?: unknown };
  cause?: unknown;
}

function isAxiosError(error: unknown): error is AxiosLikeError {
  return typeof error === 'object' && error !== null && (error as { isAxiosError?: unknown }).isAxiosError === true;
}

/**
 * Reads what wechatpay-axios-plugin (axios underneath) threw. Matched by shape, not instanceof:
 * axios is the plugin's dependency, not ours. Rethrows what is not a gateway failure (a bug on our side).
 */
export function failureFromPluginError(error: unknown): WechatpayFailure {
  if (!isAxiosError(error)) throw error;
  if (error.code && SIGNATURE_CODES.includes(error.code))
    return { kind: 'signature', message: truncated(error.message) };
  if (error.response && !(error.response.status >= 200 && error.response.status < 300)) {
    const body = wechatpayErrorBodySchema.safeParse(jsonOfDownload(error.response.data));
    return {
      kind: 'response',
      status: error.response.status,
      code: body.success ? body.data.code : null,
      message: body.success ? (body.data.message ?? null) : null,
    };
  }
  const cause = error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : null;
  return { kind: 'transport', message: truncated([error.code, error.message, cause].filter(Boolean).join(' ')) };
}

/** A download asks for bytes, and gets its error answer (JSON) as bytes too. */
function jsonOfDownload(data: unknown): unknown {
  if (!Buffer.isBuffer(data)) return data;
  try {
    return JSON.parse(data.toString('utf8'));
  } catch {
    return data;
  }
}
