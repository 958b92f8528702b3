import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { Aes } from 'wechatpay-axios-plugin';
import { newOutTradeNo } from '../sandbox.testing';
import {
  nativeBody,
  paidOrder,
  pluginFor,
  query,
  sandbox,
  settle,
  useConformanceSandbox,
  type PluginError,
} from './wechatpay.conformance.testing';
import { openWechatpayAccount } from './wechatpay.testing';

// WeChat Pay's accounts and the keys on both sides, checked with wechatpay-axios-plugin: what an
// account is handed, requests signed with the wrong key, answers the plugin must refuse, and
// which key signs an answer. (See wechatpay.conformance.test.ts for the whole set.)

useConformanceSandbox();

describe('accounts', () => {
  test('a public-key account: 10-digit mchid, wx app id, merchant key and serial, APIv3 key, PUB_KEY_ID', async () => {
    const account = await openWechatpayAccount(sandbox);
    expect(account).toMatchObject({
      provider: 'wechatpay',
      verification: 'public_key',
      base_url: `${sandbox.url}/wechatpay`,
    });
    expect(account.mchid).toMatch(/^\d{10}$/);
    expect(account.appid).toMatch(/^wx[0-9a-f]{16}$/);
    expect(account.merchant_serial_no).toMatch(/^[0-9A-F]{40}$/);
    expect(account.merchant_private_key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(account.merchant_public_key).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(Buffer.byteLength(account.api_v3_key)).toBe(32);
    expect(account.wechatpay_public_key_id).toMatch(/^PUB_KEY_ID_\d+$/);
    expect(account.wechatpay_public_key).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(account.platform_certificates).toBeUndefined();
    expect((await openWechatpayAccount(sandbox)).mchid).not.toBe(account.mchid);
  });

  test('a platform-certificate account gets an X.509 certificate whose serial is the one listed', async () => {
    const account = await openWechatpayAccount(sandbox, { verification: 'platform_certificate' });
    expect(account.wechatpay_public_key_id).toBeUndefined();
    const [entry] = account.platform_certificates ?? [];
    const certificate = new X509Certificate(entry.certificate);
    expect(certificate.serialNumber).toBe(entry.serial_no);
    expect(entry.serial_no).toMatch(/^[0-9A-F]{40}$/);
    expect(new Date(certificate.validTo).getTime()).toBeGreaterThan(Date.now() + 4 * 365 * 86_400_000);
  });

  test('an account switching to the public key has both; bad options are refused by name', async () => {
    const account = await openWechatpayAccount(sandbox, { verification: 'both' });
    expect(account.wechatpay_public_key_id).toBeDefined();
    expect(account.platform_certificates).toHaveLength(1);
    const bad = await sandbox.control('POST', '/_control/accounts', { provider: 'wechatpay', verification: 'hmac' });
    expect(bad).toMatchObject({ status: 400, body: { error: { param: 'verification' } } });
    const unknown = await sandbox.control('POST', '/_control/accounts', {
      provider: 'wechatpay',
      share_provider_keys_with: '1000000000',
    });
    expect(unknown).toMatchObject({ status: 404, body: { error: { param: 'share_provider_keys_with' } } });
  });

  test('share_provider_keys_with gives a new merchant the same WeChat keys and APIv3 key, and its own mchid and merchant key', async () => {
    const first = await openWechatpayAccount(sandbox);
    const second = await openWechatpayAccount(sandbox, { share_provider_keys_with: first.mchid });
    expect(second.mchid).not.toBe(first.mchid);
    expect(second.merchant_private_key).not.toBe(first.merchant_private_key);
    expect(second).toMatchObject({
      wechatpay_public_key_id: first.wechatpay_public_key_id,
      wechatpay_public_key: first.wechatpay_public_key,
      api_v3_key: first.api_v3_key,
    });
  });
});

describe('signatures and keys, with wechatpay-axios-plugin', () => {
  test('a request signed with another private key is refused 401 SIGN_ERROR, and nothing is created', async () => {
    const account = await openWechatpayAccount(sandbox);
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const outTradeNo = newOutTradeNo('W');
    const refused = await settle(
      pluginFor(account, { privateKey: otherKey }).v3.pay.transactions.native.post(nativeBody(account, outTradeNo)),
    );
    expect(refused).toMatchObject({ status: 401, data: { code: 'SIGN_ERROR' } });
    expect((await sandbox.control('GET', `/_control/trades/wechatpay/${outTradeNo}`)).status).toBe(404);
  });

  test('an unknown mchid is MCH_NOT_EXISTS, answered without a signature', async () => {
    const account = await openWechatpayAccount(sandbox);
    const refused = await settle(
      pluginFor(account, { mchid: '1999999999' }).v3.pay.transactions.native.post(
        nativeBody(account, newOutTradeNo('W')),
      ),
    );
    expect(refused).toMatchObject({ status: 400, data: { code: 'MCH_NOT_EXISTS' } });
    expect(refused.headers['wechatpay-signature']).toBeUndefined();
  });

  test('the plugin refuses an answer altered after signing, signed by another key, or by a serial it does not know', async () => {
    const account = await openWechatpayAccount(sandbox);
    const outTradeNo = await paidOrder(account);
    const fault = await sandbox.control<{ id: string }>('POST', '/_control/faults', {
      provider: 'wechatpay',
      account: account.mchid,
      tamper_response: true,
    });
    const tampered = await query(pluginFor(account), account, outTradeNo).then(
      () => null,
      (error: unknown) => error as PluginError,
    );
    expect(tampered?.code).toBe('EV3_RES_HEADER_SIGNATURE_DIGEST');
    // Unverified, the raw text shows the alteration: the amount was raised after signing.
    expect(JSON.parse(String(tampered?.response?.data))).toMatchObject({ amount: { total: 2099 } });
    // The 204 of a close carries no body: its nonce is what changes after signing.
    const unpaid = newOutTradeNo('W');
    await settle(pluginFor(account).v3.pay.transactions.native.post(nativeBody(account, unpaid)));
    const closed = await pluginFor(account)
      .v3.pay.transactions.outTradeNo._out_trade_no_.close.post({ mchid: account.mchid }, {
        out_trade_no: unpaid,
      } as never)
      .then(
        () => null,
        (error: unknown) => error as PluginError,
      );
    expect(closed?.code).toBe('EV3_RES_HEADER_SIGNATURE_DIGEST');
    expect((await sandbox.control('DELETE', `/_control/faults/${fault.body.id}`)).status).toBe(200);

    const impostorKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    const wrongKey = await query(
      pluginFor(account, { certs: { [account.wechatpay_public_key_id as string]: impostorKey } }),
      account,
      outTradeNo,
    ).catch((e: unknown) => e as PluginError);
    expect(wrongKey).toMatchObject({ code: 'EV3_RES_HEADER_SIGNATURE_DIGEST' });
    const unknownSerial = await query(
      pluginFor(account, { certs: { PUB_KEY_ID_0000: impostorKey } }),
      account,
      outTradeNo,
    ).catch((e: unknown) => e as PluginError);
    expect(unknownSerial).toMatchObject({ code: 'EV3_RES_HEADER_PLATFORM_SERIAL' });
    expect(await settle(query(pluginFor(account), account, outTradeNo))).toMatchObject({
      status: 200,
      data: { amount: { total: 1999 } },
    });
  });

  test('/v3/certificates lists the platform certificate, encrypted with the APIv3 key; a public-key account has none', async () => {
    const account = await openWechatpayAccount(sandbox, { verification: 'platform_certificate' });
    const listed = await settle(pluginFor(account).v3.certificates.get());
    const [entry] = listed.data.data as Array<{
      serial_no: string;
      encrypt_certificate: { ciphertext: string; nonce: string; associated_data: string };
    }>;
    expect(entry.serial_no).toBe(account.platform_certificates?.[0].serial_no);
    const pem = Aes.AesGcm.decrypt(
      entry.encrypt_certificate.ciphertext,
      account.api_v3_key,
      entry.encrypt_certificate.nonce,
      entry.encrypt_certificate.associated_data,
    );
    expect(pem).toBe(account.platform_certificates?.[0].certificate);
    const publicKeyAccount = await openWechatpayAccount(sandbox);
    expect(await settle(pluginFor(publicKeyAccount).v3.certificates.get())).toMatchObject({ status: 404 });
  });

  test('answers are signed with the key the request names in Wechatpay-Serial, else the certificate while switching', async () => {
    const account = await openWechatpayAccount(sandbox, { verification: 'both' });
    const outTradeNo = await paidOrder(account);
    const byDefault = await settle(query(pluginFor(account), account, outTradeNo));
    expect(byDefault.headers['wechatpay-serial']).toBe(account.platform_certificates?.[0].serial_no);
    const named = await settle(
      pluginFor(account).v3.pay.transactions.outTradeNo._out_trade_no_.get({
        params: { mchid: account.mchid },
        out_trade_no: outTradeNo,
        headers: { 'Wechatpay-Serial': account.wechatpay_public_key_id },
      } as never),
    );
    expect(named.headers['wechatpay-serial']).toBe(account.wechatpay_public_key_id);
  });
});
