import { ProviderDeclinedError, ProviderInvalidRequestError, ProviderUnavailableError } from '../errors';
import {
  classifyWechatpayFailure,
  failureFromPluginError,
  WECHATPAY_ERROR_CODES,
  type WechatpayFailure,
} from './wechatpay.errors';

const response = (status: number, code: string | null): WechatpayFailure => ({
  kind: 'response',
  status,
  code,
  message: code ? '说明' : null,
});
type ErrorClass = typeof ProviderDeclinedError | typeof ProviderInvalidRequestError | typeof ProviderUnavailableError;

describe('classifying WeChat Pay failures', () => {
  test.each<[string, WechatpayFailure, ErrorClass, string]>([
    // Retryable: WeChat's trouble, its rate limit, and anything that is not a verified answer.
    ['500 SYSTEM_ERROR', response(500, 'SYSTEM_ERROR'), ProviderUnavailableError, 'SYSTEM_ERROR'],
    ['500 SYSTEMERROR (older spelling)', response(500, 'SYSTEMERROR'), ProviderUnavailableError, 'SYSTEMERROR'],
    ['429 FREQUENCY_LIMITED', response(429, 'FREQUENCY_LIMITED'), ProviderUnavailableError, 'FREQUENCY_LIMITED'],
    ['500 BANK_ERROR', response(500, 'BANK_ERROR'), ProviderUnavailableError, 'BANK_ERROR'],
    ['HTTP 500 without WeChat’s JSON', response(500, null), ProviderUnavailableError, 'http_500'],
    ['HTTP 502', response(502, null), ProviderUnavailableError, 'http_502'],
    ['an unknown code with 503', response(503, 'SOMETHING_NEW'), ProviderUnavailableError, 'SOMETHING_NEW'],
    [
      'a timeout',
      { kind: 'transport', message: 'ECONNABORTED timeout of 300ms exceeded' },
      ProviderUnavailableError,
      'network_error',
    ],
    [
      'a bad answer signature',
      { kind: 'signature', message: 'Verify the response’s data … failed.' },
      ProviderUnavailableError,
      'response_signature_invalid',
    ],
    [
      'a malformed answer',
      { kind: 'malformed', message: 'code_url: missing' },
      ProviderUnavailableError,
      'malformed_response',
    ],
    [
      'a download whose SHA1 is not the signed one',
      { kind: 'integrity', message: 'its SHA1 is …' },
      ProviderUnavailableError,
      'download_digest_mismatch',
    ],
    [
      '400 STATEMENT_CREATING (yesterday’s bill is not made yet)',
      response(400, 'STATEMENT_CREATING'),
      ProviderUnavailableError,
      'STATEMENT_CREATING',
    ],
    // Our request is wrong: retrying cannot help.
    ['401 SIGN_ERROR', response(401, 'SIGN_ERROR'), ProviderInvalidRequestError, 'SIGN_ERROR'],
    ['400 PARAM_ERROR', response(400, 'PARAM_ERROR'), ProviderInvalidRequestError, 'PARAM_ERROR'],
    ['400 INVALID_REQUEST', response(400, 'INVALID_REQUEST'), ProviderInvalidRequestError, 'INVALID_REQUEST'],
    [
      '400 APPID_MCHID_NOT_MATCH',
      response(400, 'APPID_MCHID_NOT_MATCH'),
      ProviderInvalidRequestError,
      'APPID_MCHID_NOT_MATCH',
    ],
    ['400 MCH_NOT_EXISTS', response(400, 'MCH_NOT_EXISTS'), ProviderInvalidRequestError, 'MCH_NOT_EXISTS'],
    ['403 NO_AUTH', response(403, 'NO_AUTH'), ProviderInvalidRequestError, 'NO_AUTH'],
    ['400 OUT_TRADE_NO_USED', response(400, 'OUT_TRADE_NO_USED'), ProviderInvalidRequestError, 'OUT_TRADE_NO_USED'],
    [
      '404 RESOURCE_NOT_EXISTS',
      response(404, 'RESOURCE_NOT_EXISTS'),
      ProviderInvalidRequestError,
      'RESOURCE_NOT_EXISTS',
    ],
    ['HTTP 404 without a code', response(404, null), ProviderInvalidRequestError, 'http_404'],
    ['an unknown code with 400', response(400, 'SOMETHING_NEW'), ProviderInvalidRequestError, 'SOMETHING_NEW'],
    // Business refusals.
    ['403 NOT_ENOUGH', response(403, 'NOT_ENOUGH'), ProviderDeclinedError, 'NOT_ENOUGH'],
    ['400 ORDER_CLOSED', response(400, 'ORDER_CLOSED'), ProviderDeclinedError, 'ORDER_CLOSED'],
    ['400 ORDER_PAID', response(400, 'ORDER_PAID'), ProviderDeclinedError, 'ORDER_PAID'],
    ['403 TRADE_ERROR', response(403, 'TRADE_ERROR'), ProviderDeclinedError, 'TRADE_ERROR'],
    ['403 RULE_LIMIT', response(403, 'RULE_LIMIT'), ProviderDeclinedError, 'RULE_LIMIT'],
    [
      '403 USER_ACCOUNT_ABNORMAL',
      response(403, 'USER_ACCOUNT_ABNORMAL'),
      ProviderDeclinedError,
      'USER_ACCOUNT_ABNORMAL',
    ],
    ['an unknown code with 403', response(403, 'SOMETHING_NEW'), ProviderDeclinedError, 'SOMETHING_NEW'],
  ])('%s → %p', (_name, failure, errorClass, providerCode) => {
    const error = classifyWechatpayFailure(failure, 'refund');
    expect(error).toBeInstanceOf(errorClass);
    expect(error.providerCode).toBe(providerCode);
    expect(error.message).toContain('refund');
    expect(error.retryable).toBe(errorClass === ProviderUnavailableError);
  });

  test('the table names WeChat’s codes in upper case, each with one class', () => {
    for (const [code, cls] of Object.entries(WECHATPAY_ERROR_CODES)) {
      expect(code).toMatch(/^[A-Z_]+$/);
      expect(['declined', 'invalid_request', 'unavailable']).toContain(cls);
    }
  });

  test('a bad answer signature says so plainly', () => {
    expect(classifyWechatpayFailure({ kind: 'signature', message: '' }, 'query').message).toMatch(
      /signature verification/,
    );
  });
});

describe("reading wechatpay-axios-plugin's exceptions", () => {
  const axiosError = (fields: Record<string, unknown>) =>
    Object.assign(new Error(String(fields.message ?? 'x')), { isAxiosError: true, ...fields });

  test.each<[string, unknown, WechatpayFailure]>([
    [
      'an error answer with WeChat’s JSON',
      axiosError({
        message: 'Request failed with status code 400',
        code: 'ERR_BAD_REQUEST',
        response: { status: 400, data: { code: 'PARAM_ERROR', message: '参数错误' } },
      }),
      { kind: 'response', status: 400, code: 'PARAM_ERROR', message: '参数错误' },
    ],
    [
      'a 500 with an HTML body',
      axiosError({ code: 'ERR_BAD_RESPONSE', response: { status: 500, data: '<html>500</html>' } }),
      { kind: 'response', status: 500, code: null, message: null },
    ],
    [
      'a response signature failure (the plugin answers it with status 200)',
      axiosError({
        message: 'Verify the response’s data … failed.',
        code: 'EV3_RES_HEADER_SIGNATURE_DIGEST',
        response: { status: 200, data: '{}' },
      }),
      { kind: 'signature', message: 'Verify the response’s data … failed.' },
    ],
    [
      'a download’s error answer, which arrives as bytes',
      axiosError({
        code: 'ERR_BAD_REQUEST',
        response: { status: 403, data: Buffer.from('{"code":"NO_AUTH","message":"权限异常"}') },
      }),
      { kind: 'response', status: 403, code: 'NO_AUTH', message: '权限异常' },
    ],
    [
      'an answer without signature headers',
      axiosError({ code: 'EV3_RES_HEADERS_INCOMPLATE', response: { status: 200 } }),
      { kind: 'signature', message: 'x' },
    ],
    [
      'an unknown serial',
      axiosError({ code: 'EV3_RES_HEADER_PLATFORM_SERIAL', response: { status: 200 } }),
      { kind: 'signature', message: 'x' },
    ],
    [
      'a timeout',
      axiosError({ message: 'timeout of 300ms exceeded', code: 'ECONNABORTED' }),
      { kind: 'transport', message: 'ECONNABORTED timeout of 300ms exceeded' },
    ],
  ])('%s', (_name, error, failure) => {
    expect(failureFromPluginError(error)).toEqual(failure);
  });

  test('a refused connection keeps its cause', () => {
    const failure = failureFromPluginError(
      axiosError({
        message: 'connect ECONNREFUSED',
        code: 'ECONNREFUSED',
        cause: new Error('connect ECONNREFUSED 127.0.0.1:1'),
      }),
    );
    expect(failure).toMatchObject({ kind: 'transport', message: expect.stringContaining('127.0.0.1:1') });
  });

  test('anything else is a bug and is rethrown', () => {
    const bug = new RangeError('amount must be a non-negative integer of fen');
    expect(() => failureFromPluginError(bug)).toThrow(bug);
  });
});
