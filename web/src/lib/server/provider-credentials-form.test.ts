/// <reference types="jest" />
// Run by the root's jest (jest.config.js takes web/src/**/*.test.ts); pure rules only, no SvelteKit.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { issueTestCert } from '../../../../providers/unionpay/unionpay.testing';
import { credentialsFromForm } from './provider-credentials-form';

const fields = [
  { name: 'app_id', input: 'text' },
  { name: 'password', input: 'secret' },
  { name: 'private_key', input: 'pem' },
  { name: 'root_cert', input: 'pem' },
  { name: 'api_v3_key', input: 'key_file' },
  { name: 'sign_cert_pfx', input: 'binary' },
  { name: 'platform_certificates', input: 'pem_list' },
] as const;

const cert = issueTestCert({ cn: 'credentials form test', issuer: 'self' });

describe("the provider account form's files, read for the API", () => {
  test('PEM as text without a byte-order mark; a DER certificate, a .pfx as base64; typed fields as typed', async () => {
    const der = new X509Certificate(cert.certPem).raw;
    const pfx = Buffer.from([0x30, 0x82, 0x00, 0xff, 0x02, 0x01, 0x03]);
    const form = new FormData();
    form.append('app_id', ' 2021000000000001 ');
    form.append('password', ' pass word ');
    form.append('private_key', new File([`\uFEFF${cert.keyPem.replace(/\n/g, '\r\n')}\r\n`], 'app_private_key.pem'));
    form.append('root_cert', new File([der], 'acp_test_root.cer'));
    form.append('api_v3_key', new File(['0123456789abcdef0123456789abcdef\n'], 'apiv3.txt'));
    form.append('sign_cert_pfx', new File([pfx], 'acp_test_sign.pfx'));
    form.append('platform_certificates', new File([cert.certPem], 'wechatpay_1.pem'));
    form.append('platform_certificates', new File([cert.certPem], 'wechatpay_2.pem'));

    const credentials = await credentialsFromForm(fields, form);

    expect(credentials).toEqual({
      app_id: '2021000000000001',
      password: ' pass word ',
      // The API's own fileText makes the line ends Unix ones.
      private_key: cert.keyPem.trim().replace(/\n/g, '\r\n'),
      root_cert: der.toString('base64'),
      api_v3_key: '0123456789abcdef0123456789abcdef',
      sign_cert_pfx: pfx.toString('base64'),
      platform_certificates: [cert.certPem.trim(), cert.certPem.trim()],
    });
    // What the API reads back is the same key and certificate.
    expect(createPrivateKey(credentials.private_key as string).type).toBe('private');
    expect(new X509Certificate(Buffer.from(credentials.root_cert as string, 'base64')).fingerprint256).toBe(
      new X509Certificate(cert.certPem).fingerprint256,
    );
  });

  test('a field left empty (no file picked, nothing typed) is left out, for an edit to keep the stored one', async () => {
    const form = new FormData();
    form.append('app_id', '');
    form.append('private_key', new File([], ''));
    form.append('api_v3_key', new File(['k'.repeat(32)], 'apiv3.txt'));
    expect(await credentialsFromForm(fields, form)).toEqual({ api_v3_key: 'k'.repeat(32) });
  });
});
