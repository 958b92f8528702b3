import { ClientError, ServerError, ThrottlingError } from '@alicloud/openapi-core';
import { classifyAliyunCode, toMessageSendError } from './aliyun.errors';

// How what the SDK throws becomes a MessageSendError. The sandbox's conformance tests
// (sandbox/aliyun/aliyun.conformance.test.ts) see the same classification end to end.

describe('classifyAliyunCode', () => {
  test.each([
    ['isp.SYSTEM_ERROR', 200, 'retryable'],
    ['isv.BUSINESS_LIMIT_CONTROL', 200, 'throttled'],
    ['Throttling.User', 400, 'throttled'],
    ['Throttling.Whatever', 400, 'throttled'],
    ['isv.MOBILE_NUMBER_ILLEGAL', 200, 'final'],
    ['isv.TEMPLATE_MISSING_PARAMETERS', 200, 'final'],
    ['isv.AMOUNT_NOT_ENOUGH', 200, 'final'],
    ['SignatureDoesNotMatch', 400, 'final'],
    ['InvalidAccessKeyId.NotFound', 404, 'final'],
    ['isv.SOMETHING_NEW', 200, 'final'],
    ['SomethingNew', 503, 'retryable'],
  ] as const)('%s on HTTP %i is %s', (code, status, kind) => {
    expect(classifyAliyunCode(code, status)).toBe(kind);
  });
});

describe('toMessageSendError', () => {
  test('reads the SDK exceptions: code, status, request id', () => {
    const refused = toMessageSendError(
      'SendSms',
      new ClientError({
        statusCode: 400,
        code: 'SignatureDoesNotMatch',
        message: 'code: 400, Specified signature does not match our calculation. request id: R1',
        data: { Message: 'Specified signature does not match our calculation.' },
        requestId: 'R1',
      }),
    );
    expect(refused).toMatchObject({ kind: 'final', code: 'SignatureDoesNotMatch', requestId: 'R1' });
    expect(refused.message).toBe('SendSms: SignatureDoesNotMatch: Specified signature does not match our calculation.');
    expect(
      toMessageSendError('SendSms', new ThrottlingError({ statusCode: 400, code: 'Throttling.User', requestId: 'R2' })),
    ).toMatchObject({ kind: 'throttled', code: 'Throttling.User' });
    expect(toMessageSendError('SendSms', new ServerError({ statusCode: 502, code: 'undefined' }))).toMatchObject({
      kind: 'retryable',
      code: 'http_502',
    });
  });

  test('no answer is retryable; an SDK validation error is final; an unreadable answer is retryable', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(toMessageSendError('SendSms', refused)).toMatchObject({ kind: 'retryable', code: 'network' });
    expect(toMessageSendError('SendSms', new Error('phoneNumbers is required.'))).toMatchObject({
      kind: 'final',
      code: 'invalid_request',
    });
    expect(toMessageSendError('SendSms', new SyntaxError('Unexpected token < in JSON'))).toMatchObject({
      kind: 'retryable',
      code: 'malformed',
    });
  });
});
