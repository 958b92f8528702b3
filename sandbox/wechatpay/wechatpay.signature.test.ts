import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { Aes, Decorator, Formatter, Rsa } from 'wechatpay-axios-plugin';
import WxPay from 'wechatpay-node-v3';
import {
  aeadEncrypt,
  formatWechatTime,
  parseAuthorization,
  parseWechatTime,
  paySignMessage,
  randomSerial,
  requestMessage,
  responseMessage,
  rsaSign,
  rsaVerify,
  selfSignedPlatformCertificate,
  tamperWith,
} from './wechatpay.signature';

// The simulator's crypto, checked by the two client libraries' own code, without any network.

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

const merchant = keyPair();
const platform = keyPair();
const apiV3Key = '0123456789abcdefABCDEF0123456789';
const nodeV3 = new WxPay({
  appid: 'wx0123456789abcdef',
  mchid: '1900000109',
  serial_no: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
  publicKey: Buffer.from(merchant.publicKey),
  privateKey: Buffer.from(merchant.privateKey),
  key: apiV3Key,
});

describe("the merchant's request signature", () => {
  test("wechatpay-axios-plugin's Authorization parses, and its signature verifies over METHOD\\nURL\\ntimestamp\\nnonce\\nbody\\n", () => {
    const body = JSON.stringify({ mchid: '1900000109', out_trade_no: 'T1', amount: { total: 1 } });
    const signature = Rsa.sign(
      Formatter.request('POST', '/v3/pay/transactions/native', '1700000000', 'NONCE', body),
      Rsa.from(merchant.privateKey, Rsa.KEY_TYPE_PRIVATE),
    );
    const header = Formatter.authorization('1900000109', 'NONCE', signature, '1700000000', 'ABC123');
    expect(parseAuthorization(header)).toEqual({
      mchid: '1900000109',
      nonce_str: 'NONCE',
      signature,
      timestamp: '1700000000',
      serial_no: 'ABC123',
    });
    expect(
      rsaVerify(
        requestMessage('POST', '/v3/pay/transactions/native', '1700000000', 'NONCE', body),
        signature,
        merchant.publicKey,
      ),
    ).toBe(true);
    expect(
      rsaVerify(
        requestMessage('POST', '/v3/pay/transactions/h5', '1700000000', 'NONCE', body),
        signature,
        merchant.publicKey,
      ),
    ).toBe(false);
    expect(
      rsaVerify(
        requestMessage('POST', '/v3/pay/transactions/native', '1700000000', 'NONCE', body),
        signature,
        platform.publicKey,
      ),
    ).toBe(false);
  });

  test("wechatpay-node-v3's GET signature (empty body) and its Authorization field order are read the same way", () => {
    const url = '/v3/pay/transactions/out-trade-no/T1?mchid=1900000109';
    const signature = nodeV3.getSignature('GET', 'n0nce', '1700000000', url);
    expect(signature).toBe(rsaSign(requestMessage('GET', url, '1700000000', 'n0nce', ''), merchant.privateKey));
    expect(parseAuthorization(nodeV3.getAuthorization('n0nce', '1700000000', signature))).toMatchObject({
      mchid: '1900000109',
      serial_no: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
      signature,
    });
  });

  test.each([
    undefined,
    '',
    'Bearer x',
    'WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n"',
    'WECHATPAY2-SHA256-RSA2048',
  ])('%p is no Authorization', (header) => {
    expect(parseAuthorization(header)).toBeNull();
  });
});

describe("WeChat's answer signature", () => {
  const verifier = Decorator.responseVerifier({ SERIAL: Rsa.from(platform.publicKey, Rsa.KEY_TYPE_PUBLIC) }) as (
    this: { url: string; validateStatus: (status: number) => boolean },
    data: string,
    headers: Record<string, string>,
    status: number,
  ) => unknown;
  const context = {
    url: '/v3/pay/transactions/native',
    validateStatus: (status: number) => status >= 200 && status < 300,
  };
  const signed = (text: string, timestamp = String(Math.floor(Date.now() / 1000))) => ({
    'Wechatpay-Timestamp': timestamp,
    'Wechatpay-Nonce': 'N0NCE',
    'Wechatpay-Serial': 'SERIAL',
    'Wechatpay-Signature': rsaSign(responseMessage(timestamp, 'N0NCE', text), platform.privateKey),
  });

  test.each([
    ['a JSON answer', JSON.stringify({ code_url: 'weixin://wxpay/bizpayurl?pr=x', 中文: '支付成功' })],
    ['the empty body of a 204', ''],
  ])("wechatpay-axios-plugin's verifier accepts %s", (_name, text) => {
    expect(verifier.call(context, text, signed(text), 200)).toBe(text);
  });

  test('an answer altered after signing, or signed too long ago, is refused', () => {
    const text = JSON.stringify({ amount: { total: 1999 } });
    expect(tamperWith(text)).toBe(JSON.stringify({ amount: { total: 2099 } }));
    expect((verifier.call(context, tamperWith(text), signed(text), 200) as { code?: string }).code).toBe(
      'EV3_RES_HEADER_SIGNATURE_DIGEST',
    );
    const old = String(Math.floor(Date.now() / 1000) - 600);
    expect((verifier.call(context, text, signed(text, old), 200) as { code?: string }).code).toBe(
      'EV3_RES_HEADER_TIMESTAMP_OFFSET',
    );
  });

  test('tamperWith changes an answer without an amount too', () => {
    expect(tamperWith('{"prepay_id":"wx1"}')).toBe('{"prepay_id":"wx1","sandbox_tampered":true}');
  });
});

describe('AEAD_AES_256_GCM', () => {
  const plaintext = JSON.stringify({ out_trade_no: 'T1', amount: { total: 1999 }, 描述: '茶具' });

  test("wechatpay-axios-plugin and wechatpay-node-v3 decrypt the sandbox's ciphertext", () => {
    const ciphertext = aeadEncrypt(plaintext, apiV3Key, 'abcdefghijkl', 'transaction');
    expect(Aes.AesGcm.decrypt(ciphertext, apiV3Key, 'abcdefghijkl', 'transaction')).toBe(plaintext);
    expect(nodeV3.decipher_gcm(ciphertext, 'transaction', 'abcdefghijkl')).toEqual(JSON.parse(plaintext));
  });

  test('and only with the same key, nonce and associated data', () => {
    const ciphertext = aeadEncrypt(plaintext, apiV3Key, 'abcdefghijkl', 'transaction');
    expect(() => Aes.AesGcm.decrypt(ciphertext, apiV3Key, 'abcdefghijkl', 'refund')).toThrow();
    expect(() => Aes.AesGcm.decrypt(ciphertext, apiV3Key, 'abcdefghijkm', 'transaction')).toThrow();
    expect(() => Aes.AesGcm.decrypt(ciphertext, 'X'.repeat(32), 'abcdefghijkl', 'transaction')).toThrow();
  });
});

describe('platform certificates', () => {
  test('are X.509 with the serial asked for, read alike by node:crypto and by wechatpay-node-v3 (@fidm/x509)', () => {
    const serial = randomSerial(40);
    const pem = selfSignedPlatformCertificate(platform, serial, '1900000109');
    const certificate = new X509Certificate(pem);
    expect(certificate.serialNumber).toBe(serial);
    expect(certificate.publicKey.export({ type: 'spki', format: 'pem' }).toString()).toBe(platform.publicKey);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(nodeV3.getSN(pem).toUpperCase()).toBe(serial);
  });

  test('serials are 40 upper-case hex digits, and positive as DER integers', () => {
    for (let draw = 0; draw < 50; draw++) expect(randomSerial(40)).toMatch(/^[1-7][0-9A-F]{39}$/);
  });
});

describe('JSAPI paySign', () => {
  test("wechatpay-node-v3's paySign verifies over appId\\ntimeStamp\\nnonceStr\\npackage\\n with the merchant's public key", () => {
    const message = ['wx0123456789abcdef', '1700000000', 'abc', 'prepay_id=wx1', ''].join('\n');
    const paySign = nodeV3.sha256WithRsa(message);
    expect(
      rsaVerify(
        paySignMessage('wx0123456789abcdef', '1700000000', 'abc', 'prepay_id=wx1'),
        paySign,
        merchant.publicKey,
      ),
    ).toBe(true);
    expect(
      rsaVerify(
        paySignMessage('wx0123456789abcdef', '1700000001', 'abc', 'prepay_id=wx1'),
        paySign,
        merchant.publicKey,
      ),
    ).toBe(false);
  });
});

describe('times', () => {
  test.each([
    ['2024-01-01T00:00:00.000Z', '2024-01-01T08:00:00+08:00'],
    ['2024-06-30T18:15:30.000Z', '2024-07-01T02:15:30+08:00'],
  ])('%s is %s in Beijing, both ways', (iso, wechat) => {
    expect(formatWechatTime(new Date(iso))).toBe(wechat);
    expect(parseWechatTime(wechat)?.toISOString()).toBe(iso);
  });

  test.each([
    ['2024-01-01T00:00:00Z', '2024-01-01T00:00:00.000Z'],
    ['2024-01-01T01:00:00+01:00', '2024-01-01T00:00:00.000Z'],
    ['2024-01-01T00:00:00.123-05:30', '2024-01-01T05:30:00.000Z'],
  ])('any offset is read: %s', (text, iso) => {
    expect(parseWechatTime(text)?.toISOString()).toBe(iso);
  });

  test.each([
    '2024-02-30T10:00:00+08:00',
    '2024-01-01 10:00:00',
    '2024-01-01T10:00:00',
    '2024-13-01T10:00:00+08:00',
    '',
  ])('%p is refused', (text) => {
    expect(parseWechatTime(text)).toBeNull();
  });
});
