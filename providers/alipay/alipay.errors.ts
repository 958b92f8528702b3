import { AlipayRequestError } from 'alipay-sdk';
import { assertNever } from '../../domain/assert-never';
import {
  httpStatusError,
  ProviderDeclinedError,
  ProviderInvalidRequestError,
  ProviderUnavailableError,
  type ProviderError,
} from '../errors';
import { truncated } from '../wire-issues';

/** Everything that can go wrong with one gateway call, once alipay-sdk's exceptions are read. */
export type AlipayFailure =
  /** The gateway answered (signed) with a code other than 10000. */
  | { kind: 'response'; code: string; subCode: string | null; subMsg: string | null }
  /** The gateway answered with an HTTP status other than 200. */
  | { kind: 'http'; status: number }
  /** No answer: timeout, refused connection, reset. */
  | { kind: 'transport'; message: string }
  /** An answer whose signature did not verify, or that had none. */
  | { kind: 'signature'; message: string }
  /** An answer that is not the JSON Alipay sends. */
  | { kind: 'malformed'; message: string };

export type AlipayErrorClass = 'declined' | 'invalid_request' | 'unavailable';

/**
 * sub_code → what it means for us. https://opendocs.alipay.com/common/02km9f and each API's
 * error list (e.g. https://opendocs.alipay.com/open/02ekfk#错误码 for refunds).
 */
export const ALIPAY_SUB_CODES: Readonly<Record<string, AlipayErrorClass>> = {
  // "System busy" answers: Alipay asks to retry with the same parameters.
  'isp.unknow-error': 'unavailable',
  'ACQ.SYSTEM_ERROR': 'unavailable',
  'aop.ACQ.SYSTEM_ERROR': 'unavailable',
  'isp.rop.service.unavailable': 'unavailable',
  // The request itself is wrong: our bug or our configuration.
  'isv.invalid-signature': 'invalid_request',
  'isv.invalid-app-id': 'invalid_request',
  'ACQ.INVALID_PARAMETER': 'invalid_request',
  'ACQ.ACCESS_FORBIDDEN': 'invalid_request',
  'ACQ.CONTEXT_INCONSISTENT': 'invalid_request',
  'ACQ.TRADE_NOT_EXIST': 'invalid_request',
  'ACQ.DISCORDANT_REPEAT_REQUEST': 'invalid_request',
  'ACQ.PRODUCT_CODE_ERROR': 'invalid_request',
  'ACQ.SELLER_NOT_EXIST': 'invalid_request',
  // Business refusals: the answer will not change if we ask again.
  'ACQ.TRADE_HAS_SUCCESS': 'declined',
  'ACQ.TRADE_HAS_CLOSE': 'declined',
  'ACQ.TRADE_HAS_FINISHED': 'declined',
  'ACQ.TRADE_STATUS_ERROR': 'declined',
  'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL': 'declined',
  'ACQ.SELLER_BALANCE_NOT_ENOUGH': 'declined',
  'ACQ.REASON_TRADE_BEEN_FREEZEN': 'declined',
  'ACQ.TRADE_NOT_ALLOW_REFUND': 'declined',
  'ACQ.REFUND_FEE_ERROR': 'declined',
  'ACQ.BUYER_BALANCE_NOT_ENOUGH': 'declined',
  'ACQ.BUYER_ENABLE_STATUS_FORBID': 'declined',
  'ACQ.TOTAL_FEE_EXCEED': 'declined',
};

/** Public codes, for sub_codes the table does not know. https://opendocs.alipay.com/common/02km9f */
export const ALIPAY_CODES: Readonly<Record<string, AlipayErrorClass>> = {
  '20000': 'unavailable', // Service Currently Unavailable
  '20001': 'invalid_request', // Insufficient Token Permissions
  '40001': 'invalid_request', // Missing Required Arguments
  '40002': 'invalid_request', // Invalid Arguments
  '40003': 'invalid_request', // Insufficient Conditions
  '40004': 'declined', // Business Failed
  '40006': 'invalid_request', // Insufficient Permissions
};

/** The one place where an Alipay failure becomes a ProviderError; `method` goes into the message. */
export function classifyAlipayFailure(failure: AlipayFailure, method: string): ProviderError {
  switch (failure.kind) {
    case 'response': {
      const cls = classOfResponse(failure.code, failure.subCode);
      const detail = [failure.code, failure.subCode, failure.subMsg].filter(Boolean).join(' ');
      const providerCode = failure.subCode ?? failure.code;
      const message = `Alipay ${method} failed: ${detail}`;
      if (cls === 'declined') return new ProviderDeclinedError(message, providerCode);
      if (cls === 'invalid_request') return new ProviderInvalidRequestError(message, providerCode);
      return new ProviderUnavailableError(message, providerCode);
    }
    case 'http':
      return httpStatusError(`Alipay ${method} answered HTTP ${failure.status}`, failure.status);
    case 'transport':
      return new ProviderUnavailableError(`Alipay ${method} could not be reached: ${failure.message}`, 'network_error');
    case 'signature':
      // Never accepted, but retried: the next attempt may reach the real gateway (a proxy or an
      // attacker may have answered this one), and a key rotation shows up here first.
      return new ProviderUnavailableError(
        `Alipay ${method} answer failed signature verification with the configured Alipay public key; it was not trusted. ${failure.message}`,
        'response_signature_invalid',
      );
    case 'malformed':
      return new ProviderUnavailableError(
        `Alipay ${method} answered something unexpected: ${failure.message}`,
        'malformed_response',
      );
    default:
      return assertNever(failure);
  }
}

function classOfResponse(code: string, subCode: string | null): AlipayErrorClass {
  if (subCode) {
    const known = ALIPAY_SUB_CODES[subCode];
    if (known) return known;
    if (subCode.startsWith('isp.') || subCode.startsWith('aop.isp.')) return 'unavailable';
    if (subCode.startsWith('isv.')) return 'invalid_request';
  }
  // An unknown code might be a new kind of outage: retrying (boundedly) is the safer guess.
  return ALIPAY_CODES[code] ?? 'unavailable';
}

/**
 * Reads what alipay-sdk threw. The SDK (4.x) gives exec's failures no code, so the kind is read
 * from its messages; the tests run the real SDK against the sandbox to keep this honest.
 * Rethrows what is not a gateway failure (a bug on our side).
 */
export function failureFromSdkError(error: unknown): AlipayFailure {
  if (error instanceof AlipayRequestError) {
    const status = /status: (\d{3})/.exec(error.message);
    if (status) return { kind: 'http', status: Number(status[1]) };
    if (error.message.startsWith('验签失败')) return { kind: 'signature', message: truncated(error.message) };
    if (error.message.startsWith('Response 格式错误')) return { kind: 'malformed', message: truncated(error.message) };
    const cause = error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : error.message;
    return { kind: 'transport', message: truncated(cause) };
  }
  // An answer without any "sign" reaches node:crypto's verify as undefined, which throws this.
  // (Matched by code, not instanceof: node's errors may come from another realm, e.g. under jest.)
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code === 'ERR_INVALID_ARG_TYPE' && typeof message === 'string' && /"signature"/.test(message)) {
    return { kind: 'signature', message: 'the answer carried no signature' };
  }
  throw error;
}
