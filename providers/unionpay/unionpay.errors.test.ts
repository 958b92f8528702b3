import { ProviderDeclinedError, ProviderInvalidRequestError, ProviderUnavailableError } from '../errors';
import {
  classifyUnionpayFailure,
  respClassOf,
  UNIONPAY_RESP_CODES,
  type UnionpayFailure,
  type UnionpayRespClass,
} from './unionpay.errors';

type ErrorClass = typeof ProviderDeclinedError | typeof ProviderInvalidRequestError | typeof ProviderUnavailableError;

const response = (respCode: string): UnionpayFailure => ({ kind: 'response', respCode, respMsg: '应答' });

describe('classifying UnionPay failures', () => {
  test.each<[string, UnionpayFailure, ErrorClass, string]>([
    // Retryable: UnionPay's own trouble, and anything that is not a verified answer.
    ['06 系统繁忙', response('06'), ProviderUnavailableError, '06'],
    ['02 系统未开放', response('02'), ProviderUnavailableError, '02'],
    ['37 操作过于频繁', response('37'), ProviderUnavailableError, '37'],
    ['39 不在受理时间', response('39'), ProviderUnavailableError, '39'],
    ['99 通用错误', response('99'), ProviderUnavailableError, '99'],
    ['03 通讯超时 on a call that needed an answer', response('03'), ProviderUnavailableError, '03'],
    ['05 已受理 on a call that needed an answer', response('05'), ProviderUnavailableError, '05'],
    ['a code UnionPay added later', response('B9'), ProviderUnavailableError, 'B9'],
    ['HTTP 500', { kind: 'http', status: 500 }, ProviderUnavailableError, 'http_500'],
    ['HTTP 503', { kind: 'http', status: 503 }, ProviderUnavailableError, 'http_503'],
    ['HTTP 429', { kind: 'http', status: 429 }, ProviderUnavailableError, 'http_429'],
    ['a timeout', { kind: 'transport', message: 'TimeoutError' }, ProviderUnavailableError, 'network_error'],
    [
      'an answer whose certificate does not chain',
      { kind: 'signature', message: 'signPubKeyCert was not issued by the configured middle certificate' },
      ProviderUnavailableError,
      'response_signature_invalid',
    ],
    [
      'an unreadable answer',
      { kind: 'malformed', message: 'an empty key' },
      ProviderUnavailableError,
      'malformed_response',
    ],
    // Our request is wrong: retrying cannot help.
    ['10 报文格式错误', response('10'), ProviderInvalidRequestError, '10'],
    ['11 验证签名失败', response('11'), ProviderInvalidRequestError, '11'],
    ['12 重复交易', response('12'), ProviderInvalidRequestError, '12'],
    ['13 要素缺失', response('13'), ProviderInvalidRequestError, '13'],
    ['14 批量文件格式错误', response('14'), ProviderInvalidRequestError, '14'],
    ['31 商户状态不正确', response('31'), ProviderInvalidRequestError, '31'],
    ['32 无此交易权限', response('32'), ProviderInvalidRequestError, '32'],
    ['34 查无此交易, where the order had to exist', response('34'), ProviderInvalidRequestError, '34'],
    ['HTTP 404', { kind: 'http', status: 404 }, ProviderInvalidRequestError, 'http_404'],
    // Business refusals.
    ['01 交易失败', response('01'), ProviderDeclinedError, '01'],
    ['33 金额超限 (a refund over what is left)', response('33'), ProviderDeclinedError, '33'],
    ['35 原交易不存在或状态不正确', response('35'), ProviderDeclinedError, '35'],
    ['36 与原交易信息不符', response('36'), ProviderDeclinedError, '36'],
    ['38 风险受限', response('38'), ProviderDeclinedError, '38'],
    ['45 已被退货或撤销', response('45'), ProviderDeclinedError, '45'],
    ['64 余额不足', response('64'), ProviderDeclinedError, '64'],
  ])('%s → %p', (_name, failure, errorClass, providerCode) => {
    const error = classifyUnionpayFailure(failure, 'queryTrans');
    expect(error).toBeInstanceOf(errorClass);
    expect(error.providerCode).toBe(providerCode);
    expect(error.retryable).toBe(errorClass === ProviderUnavailableError);
    expect(error.message).toContain('UnionPay queryTrans');
  });

  test('respMsg goes into the message', () => {
    expect(
      classifyUnionpayFailure({ kind: 'response', respCode: '11', respMsg: '验证签名失败' }, 'backTransReq').message,
    ).toBe('UnionPay backTransReq failed: respCode 11 验证签名失败');
  });

  test('a failed signature check says so plainly', () => {
    expect(classifyUnionpayFailure({ kind: 'signature', message: 'x' }, 'queryTrans').message).toMatch(
      /failed signature verification.*not trusted/,
    );
  });

  const expectedError: Record<UnionpayRespClass, ErrorClass> = {
    ok: ProviderUnavailableError,
    in_progress: ProviderUnavailableError,
    unavailable: ProviderUnavailableError,
    not_found: ProviderInvalidRequestError,
    invalid_request: ProviderInvalidRequestError,
    declined: ProviderDeclinedError,
  };

  test.each(Object.entries(UNIONPAY_RESP_CODES))(
    'every code of the table is classified by its class: %s is %s',
    (respCode, cls) => {
      expect(respClassOf(respCode)).toBe(cls);
      expect(classifyUnionpayFailure(response(respCode), 'queryTrans')).toBeInstanceOf(expectedError[cls]);
    },
  );

  test('success and "ask again" codes are the ones UnionPay documents', () => {
    const byClass = (cls: UnionpayRespClass) =>
      Object.keys(UNIONPAY_RESP_CODES)
        .filter((code) => UNIONPAY_RESP_CODES[code] === cls)
        .sort();
    expect(byClass('ok')).toEqual(['00', 'A6']);
    expect(byClass('not_found')).toEqual(['34']);
    expect(byClass('in_progress')).toEqual(['03', '04', '05', '70', '74', '83']);
  });
});
