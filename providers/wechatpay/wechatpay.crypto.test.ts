import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { Aes, Formatter, Rsa } from 'wechatpay-axios-plugin';
import WxPay from 'wechatpay-node-v3';
import {
  decryptWechatpayResource,
  jsapiPaySign,
  randomNonce,
  verifyWechatpaySignature,
  wechatpaySignedMessage,
  WechatpayDecryptionError,
} from './wechatpay.crypto';

// The adapter's signature checks and decryption against what the two client libraries produce.

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, publicKey, privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

const platform = keyPair();
const merchant = keyPair();
const apiV3Key = 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6';

describe('notification and answer signatures', () => {
  const body = JSON.stringify({ id: 'EV-2018022511223320873', event_type: 'TRANSACTION.SUCCESS', summary: '支付成功' });
  const signature = Rsa.sign(Formatter.response('1700000000', 'NONCE', body), platform.privateKey);

  test("the message is timestamp\\nnonce\\nbody\\n, as wechatpay-axios-plugin's Formatter builds it", () => {
    expect(wechatpaySignedMessage('1700000000', 'NONCE', body)).toBe(Formatter.response('1700000000', 'NONCE', body));
  });

  test('a signature WeChat made verifies with its key', () => {
    expect(
      verifyWechatpaySignature(wechatpaySignedMessage('1700000000', 'NONCE', body), signature, platform.publicKey),
    ).toBe(true);
  });

  test.each([
    ['another body', wechatpaySignedMessage('1700000000', 'NONCE', body.replace('支付成功', '支付失败'))],
    ['another timestamp', wechatpaySignedMessage('1700000001', 'NONCE', body)],
    ['another nonce', wechatpaySignedMessage('1700000000', 'N0NCE', body)],
  ])('%s does not verify', (_name, message) => {
    expect(verifyWechatpaySignature(message, signature, platform.publicKey)).toBe(false);
  });

  test('another key does not verify it, and garbage is false, not an exception', () => {
    expect(
      verifyWechatpaySignature(wechatpaySignedMessage('1700000000', 'NONCE', body), signature, merchant.publicKey),
    ).toBe(false);
    expect(verifyWechatpaySignature('x', '!!not base64!!', platform.publicKey)).toBe(false);
    expect(verifyWechatpaySignature('x', '', platform.publicKey)).toBe(false);
  });
});

describe('AEAD_AES_256_GCM resources', () => {
  const plaintext = JSON.stringify({ mchid: '1900000109', out_trade_no: 'T1', amount: { total: 1999 } });
  const resource = (
    overrides: Partial<{ algorithm: string; ciphertext: string; nonce: string; associated_data: string }> = {},
  ) => ({
    algorithm: 'AEAD_AES_256_GCM',
    ciphertext: Aes.AesGcm.encrypt(plaintext, apiV3Key, 'fdasflkja484', 'transaction'),
    nonce: 'fdasflkja484',
    associated_data: 'transaction',
    ...overrides,
  });

  test("decrypts what wechatpay-axios-plugin's AesGcm encrypts", () => {
    expect(decryptWechatpayResource(resource(), Buffer.from(apiV3Key))).toBe(plaintext);
  });

  test('an empty associated_data is allowed', () => {
    const ciphertext = Aes.AesGcm.encrypt(plaintext, apiV3Key, 'fdasflkja484', '');
    expect(
      decryptWechatpayResource(
        { algorithm: 'AEAD_AES_256_GCM', ciphertext, nonce: 'fdasflkja484' },
        Buffer.from(apiV3Key),
      ),
    ).toBe(plaintext);
  });

  test.each([
    ['another APIv3 key', resource(), Buffer.from('X'.repeat(32))],
    ['altered associated data', resource({ associated_data: 'refund' }), Buffer.from(apiV3Key)],
    ['another nonce', resource({ nonce: 'fdasflkja485' }), Buffer.from(apiV3Key)],
    [
      'an altered ciphertext',
      resource({
        ciphertext: Buffer.from(
          Buffer.from(resource().ciphertext, 'base64').map((byte, i) => (i === 3 ? byte ^ 1 : byte)),
        ).toString('base64'),
      }),
      Buffer.from(apiV3Key),
    ],
    [
      'a ciphertext shorter than the tag',
      resource({ ciphertext: Buffer.alloc(10).toString('base64') }),
      Buffer.from(apiV3Key),
    ],
    ['another algorithm', resource({ algorithm: 'AEAD_SM4_GCM' }), Buffer.from(apiV3Key)],
    ['a key that is not 32 bytes', resource(), Buffer.from('short')],
  ])('%s is refused', (_name, input, key) => {
    expect(() => decryptWechatpayResource(input, key)).toThrow(WechatpayDecryptionError);
  });
});

describe('JSAPI paySign', () => {
  const parameters = {
    appId: 'wx8888888888888888',
    timeStamp: '1414561699',
    nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
    package: 'prepay_id=wx201410272009395522657a690389285100',
  };

  test('is what wechatpay-node-v3 computes for the same key (PKCS#1 v1.5 signatures are deterministic)', () => {
    const nodeV3 = new WxPay({
      appid: parameters.appId,
      mchid: '1900000109',
      serial_no: 'ABC',
      publicKey: Buffer.from('unused'),
      privateKey: Buffer.from(merchant.privatePem),
    });
    const theirs = nodeV3.sha256WithRsa(
      [parameters.appId, parameters.timeStamp, parameters.nonceStr, parameters.package, ''].join('\n'),
    );
    expect(jsapiPaySign(parameters, createPrivateKey(merchant.privatePem))).toBe(theirs);
  });

  test("verifies with the merchant's public key over appId\\ntimeStamp\\nnonceStr\\npackage\\n", () => {
    const paySign = jsapiPaySign(parameters, merchant.privateKey);
    const message = `${parameters.appId}\n${parameters.timeStamp}\n${parameters.nonceStr}\n${parameters.package}\n`;
    expect(
      Rsa.verify(message, paySign, createPublicKey(merchant.publicKey.export({ type: 'spki', format: 'pem' }))),
    ).toBe(true);
    expect(Rsa.verify(message.replace('1414561699', '1414561698'), paySign, merchant.publicKey)).toBe(false);
  });
});

describe('nonces', () => {
  test('are letters and digits of the asked length, and differ', () => {
    const nonces = Array.from({ length: 50 }, () => randomNonce(32));
    for (const nonce of nonces) expect(nonce).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(new Set(nonces).size).toBe(50);
  });
});
