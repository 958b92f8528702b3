import { AlipayRequestError } from 'alipay-sdk';
import { ProviderDeclinedError, ProviderInvalidRequestError, ProviderUnavailableError } from '../errors';
import { classifyAlipayFailure, failureFromSdkError, type AlipayFailure } from './alipay.errors';

const response = (code: string, subCode: string | null = null): AlipayFailure => ({
  kind: 'response',
  code,
  subCode,
  subMsg: 'msg',
});

describe('classifying Alipay failures', () => {
  test.each<
    [
      string,
      AlipayFailure,
      typeof ProviderDeclinedError | typeof ProviderInvalidRequestError | typeof ProviderUnavailableError,
      string,
    ]
  >([
    // Retryable: Alipay's "system busy" and anything that is not a verified answer.
    ['20000 isp.unknow-error', response('20000', 'isp.unknow-error'), ProviderUnavailableError, 'isp.unknow-error'],
    ['40004 ACQ.SYSTEM_ERROR', response('40004', 'ACQ.SYSTEM_ERROR'), ProviderUnavailableError, 'ACQ.SYSTEM_ERROR'],
    [
      '40004 aop.ACQ.SYSTEM_ERROR',
      response('40004', 'aop.ACQ.SYSTEM_ERROR'),
      ProviderUnavailableError,
      'aop.ACQ.SYSTEM_ERROR',
    ],
    ['an unknown isp. sub_code', response('20000', 'isp.something-new'), ProviderUnavailableError, 'isp.something-new'],
    ['an unknown code', response('99999'), ProviderUnavailableError, '99999'],
    ['HTTP 500', { kind: 'http', status: 500 }, ProviderUnavailableError, 'http_500'],
    ['HTTP 502', { kind: 'http', status: 502 }, ProviderUnavailableError, 'http_502'],
    ['HTTP 429', { kind: 'http', status: 429 }, ProviderUnavailableError, 'http_429'],
    ['a timeout', { kind: 'transport', message: 'timeout' }, ProviderUnavailableError, 'network_error'],
    [
      'a bad response signature',
      { kind: 'signature', message: '验签失败' },
      ProviderUnavailableError,
      'response_signature_invalid',
    ],
    ['a malformed answer', { kind: 'malformed', message: 'x' }, ProviderUnavailableError, 'malformed_response'],
    // Our request is wrong: retrying cannot help.
    [
      '40002 isv.invalid-signature',
      response('40002', 'isv.invalid-signature'),
      ProviderInvalidRequestError,
      'isv.invalid-signature',
    ],
    [
      '40002 isv.invalid-app-id',
      response('40002', 'isv.invalid-app-id'),
      ProviderInvalidRequestError,
      'isv.invalid-app-id',
    ],
    [
      '40001 isv.missing-method',
      response('40001', 'isv.missing-method'),
      ProviderInvalidRequestError,
      'isv.missing-method',
    ],
    [
      '40004 ACQ.INVALID_PARAMETER',
      response('40004', 'ACQ.INVALID_PARAMETER'),
      ProviderInvalidRequestError,
      'ACQ.INVALID_PARAMETER',
    ],
    [
      '40004 ACQ.CONTEXT_INCONSISTENT',
      response('40004', 'ACQ.CONTEXT_INCONSISTENT'),
      ProviderInvalidRequestError,
      'ACQ.CONTEXT_INCONSISTENT',
    ],
    [
      '40004 ACQ.TRADE_NOT_EXIST',
      response('40004', 'ACQ.TRADE_NOT_EXIST'),
      ProviderInvalidRequestError,
      'ACQ.TRADE_NOT_EXIST',
    ],
    ['40006 without sub_code', response('40006'), ProviderInvalidRequestError, '40006'],
    ['HTTP 404', { kind: 'http', status: 404 }, ProviderInvalidRequestError, 'http_404'],
    // Business refusals.
    [
      '40004 ACQ.TRADE_HAS_SUCCESS',
      response('40004', 'ACQ.TRADE_HAS_SUCCESS'),
      ProviderDeclinedError,
      'ACQ.TRADE_HAS_SUCCESS',
    ],
    [
      '40004 ACQ.TRADE_HAS_CLOSE',
      response('40004', 'ACQ.TRADE_HAS_CLOSE'),
      ProviderDeclinedError,
      'ACQ.TRADE_HAS_CLOSE',
    ],
    [
      '40004 ACQ.TRADE_STATUS_ERROR',
      response('40004', 'ACQ.TRADE_STATUS_ERROR'),
      ProviderDeclinedError,
      'ACQ.TRADE_STATUS_ERROR',
    ],
    [
      '40004 ACQ.REFUND_AMT_NOT_EQUAL_TOTAL',
      response('40004', 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL'),
      ProviderDeclinedError,
      'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL',
    ],
    [
      '40004 ACQ.SELLER_BALANCE_NOT_ENOUGH',
      response('40004', 'ACQ.SELLER_BALANCE_NOT_ENOUGH'),
      ProviderDeclinedError,
      'ACQ.SELLER_BALANCE_NOT_ENOUGH',
    ],
    [
      '40004 with an unknown ACQ sub_code',
      response('40004', 'ACQ.SOMETHING_NEW'),
      ProviderDeclinedError,
      'ACQ.SOMETHING_NEW',
    ],
  ])('%s → %p', (_name, failure, errorClass, providerCode) => {
    const error = classifyAlipayFailure(failure, 'alipay.trade.query');
    expect(error).toBeInstanceOf(errorClass);
    expect(error.providerCode).toBe(providerCode);
    expect(error.message).toContain('alipay.trade.query');
    expect(error.retryable).toBe(errorClass === ProviderUnavailableError);
  });

  test('a bad response signature says so plainly', () => {
    expect(classifyAlipayFailure({ kind: 'signature', message: '' }, 'alipay.trade.close').message).toMatch(
      /signature verification/,
    );
  });
});

describe("reading alipay-sdk's exceptions", () => {
  test.each<[string, unknown, AlipayFailure['kind']]>([
    ['an HTTP error', new AlipayRequestError('HTTP 请求错误, status: 503'), 'http'],
    [
      'a response signature failure',
      new AlipayRequestError("验签失败，服务端返回的 sign: 'x' 无效, validateStr: '{}'"),
      'signature',
    ],
    ['a body that is not JSON', new AlipayRequestError('Response 格式错误'), 'malformed'],
    ['a missing response key', new AlipayRequestError('Response 格式错误，返回值 x_response 找不到'), 'malformed'],
    [
      'a timeout',
      new AlipayRequestError('HttpClient Request error: Request timeout for 5000 ms', { cause: new Error('timeout') }),
      'transport',
    ],
    [
      'an unsigned answer reaching node:crypto',
      Object.assign(new TypeError('The "signature" argument must be of type string. Received undefined'), {
        code: 'ERR_INVALID_ARG_TYPE',
      }),
      'signature',
    ],
  ])('%s', (_name, error, kind) => {
    expect(failureFromSdkError(error).kind).toBe(kind);
  });

  test('the HTTP status is kept', () => {
    expect(failureFromSdkError(new AlipayRequestError('HTTP 请求错误, status: 503'))).toEqual({
      kind: 'http',
      status: 503,
    });
  });

  test('anything else is a bug and is rethrown', () => {
    const bug = new RangeError('amount must be a non-negative integer');
    expect(() => failureFromSdkError(bug)).toThrow(bug);
  });
});
