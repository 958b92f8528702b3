import { MessageSendError, type MessageErrorKind } from '../transport';

/**
 * Aliyun's Code → what a message workflow does about it. SMS business codes:
 * https://help.aliyun.com/zh/sms/developer-reference/api-error-codes; the OpenAPI gateway's
 * common codes (signature, AccessKey, flow control) answer with HTTP 4xx/5xx. A code not listed is
 * `final` when it came on HTTP 200 or 4xx (asking again the same way will not change it) and
 * `retryable` on 5xx.
 */
export const ALIYUN_CODES: Readonly<Record<string, MessageErrorKind>> = {
  // Aliyun's own trouble: send again soon.
  'isp.SYSTEM_ERROR': 'retryable',
  'isp.GATEWAY_ERROR': 'retryable',
  'isp.UNKNOWN': 'retryable',
  'isv.DATA_NOT_EXIST': 'retryable',
  InternalError: 'retryable',
  ServiceUnavailable: 'retryable',
  ServiceUnavailableTemporary: 'retryable',
  // Rate limits: send again after a backoff.
  'isv.BUSINESS_LIMIT_CONTROL': 'throttled',
  'isv.DAY_LIMIT_CONTROL': 'throttled',
  'Throttling.User': 'throttled',
  'Throttling.Api': 'throttled',
  Throttling: 'throttled',
  // Asking again cannot help: the recipient, the template, the account or our credentials are wrong.
  'isv.MOBILE_NUMBER_ILLEGAL': 'final',
  'isv.MOBILE_COUNT_OVER_LIMIT': 'final',
  'isv.TEMPLATE_MISSING_PARAMETERS': 'final',
  'isv.SMS_TEMPLATE_ILLEGAL': 'final',
  'isv.SMS_SIGNATURE_ILLEGAL': 'final',
  'isv.INVALID_JSON_PARAM': 'final',
  'isv.INVALID_PARAMETERS': 'final',
  'isv.PARAM_LENGTH_LIMIT': 'final',
  'isv.BLACK_KEY_CONTROL_LIMIT': 'final',
  'isv.AMOUNT_NOT_ENOUGH': 'final',
  'isv.OUT_OF_SERVICE': 'final',
  'isv.PRODUCT_UN_SUBSCRIPT': 'final',
  'isv.ACCOUNT_NOT_EXISTS': 'final',
  'isv.ACCOUNT_ABNORMAL': 'final',
  'isp.RAM_PERMISSION_DENY': 'final',
  SignatureDoesNotMatch: 'final',
  IncompleteSignature: 'final',
  'InvalidAccessKeyId.NotFound': 'final',
  'InvalidAccessKeyId.Inactive': 'final',
  'InvalidTimeStamp.Expired': 'final',
  'InvalidMailAddress.NotFound': 'final',
  InvalidToAddress: 'final',
  'InvalidSubject.Malformed': 'final',
  InvalidBody: 'final',
  // A replayed nonce: the SDK draws a new one for every call, so a retry is a new request.
  SignatureNonceUsed: 'retryable',
};

/** The kind of an Aliyun answer: the table, else by where it came from. */
export function classifyAliyunCode(code: string, httpStatus: number): MessageErrorKind {
  const known = ALIYUN_CODES[code];
  if (known) return known;
  if (code.startsWith('Throttling')) return 'throttled';
  if (httpStatus >= 500) return 'retryable';
  return 'final';
}

/** `Code != "OK"` on an HTTP 200: SendSms' and QuerySendDetails' business errors. */
export function businessError(
  action: string,
  code: string,
  message: string,
  requestId: string | null,
): MessageSendError {
  return new MessageSendError(`${action}: ${code}: ${message}`, classifyAliyunCode(code, 200), code, requestId);
}

/** Network errors Node and the SDK's HTTP client raise before any answer. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
]);

/**
 * Reads what the SDK threw: an AlibabaCloudError (ClientError / ServerError / ThrottlingError, with
 * `statusCode`, `code`, `requestId`) for an HTTP 4xx/5xx, or a network / timeout error. The
 * message carries the action, code and Aliyun's words, never a credential.
 */
export function toMessageSendError(action: string, error: unknown): MessageSendError {
  if (error instanceof MessageSendError) return error;
  const e = (error ?? {}) as {
    statusCode?: unknown;
    code?: unknown;
    requestId?: unknown;
    message?: unknown;
    name?: unknown;
    data?: { Message?: unknown };
  };
  const status = typeof e.statusCode === 'number' ? e.statusCode : null;
  const code = typeof e.code === 'string' && e.code !== '' && e.code !== 'undefined' ? e.code : null;
  const requestId = typeof e.requestId === 'string' && e.requestId !== 'undefined' ? e.requestId : null;
  if (status !== null) {
    const words = typeof e.data?.Message === 'string' ? e.data.Message : `HTTP ${status}`;
    const finalCode = code ?? `http_${status}`;
    return new MessageSendError(
      `${action}: ${finalCode}: ${words}`,
      classifyAliyunCode(finalCode, status),
      finalCode,
      requestId,
      {
        cause: error,
      },
    );
  }
  const text = typeof e.message === 'string' ? e.message : String(error);
  const timedOut = /timeout|timed out/i.test(text) || e.name === 'RequestTimeoutError';
  if (timedOut || (code !== null && NETWORK_CODES.has(code)) || /ECONN|socket hang up|EAI_AGAIN/.test(text)) {
    return new MessageSendError(`${action}: no answer from Aliyun: ${text}`, 'retryable', 'network', null, {
      cause: error,
    });
  }
  // The SDK's own validation of the request ("phoneNumbers is required."): our bug, retrying will not fix it.
  if (/is required|must be|should be/i.test(text))
    return new MessageSendError(`${action}: ${text}`, 'final', 'invalid_request', requestId, { cause: error });
  // An answer that is not Aliyun's JSON (a proxy's HTML error page): the way there is in trouble.
  return new MessageSendError(`${action}: unreadable answer: ${text}`, 'retryable', 'malformed', requestId, {
    cause: error,
  });
}
