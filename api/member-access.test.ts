import { redacted } from './member-access';

// The audit log keeps requests and answers without their secrets, at any depth.

test('a provider account upload keeps its ids and public parts, and loses every secret', () => {
  const upload = {
    provider: 'wechatpay',
    credentials: {
      mchid: '1900000109',
      merchant_private_key: '-----BEGIN PRIVATE KEY-----…',
      api_v3_key: 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6',
      app_secret: '0123456789abcdef0123456789abcdef',
      wechatpay_public_key: '-----BEGIN PUBLIC KEY-----…',
    },
    unionpay: {
      private_key: 'x',
      sign_cert_pfx: 'MIIK…',
      sign_cert_password: 'pw',
      root_cert: '-----BEGIN CERTIFICATE-----…',
    },
  };
  expect(redacted(upload)).toEqual({
    provider: 'wechatpay',
    credentials: {
      mchid: '1900000109',
      merchant_private_key: '[redacted]',
      api_v3_key: '[redacted]',
      app_secret: '[redacted]',
      wechatpay_public_key: '-----BEGIN PUBLIC KEY-----…',
    },
    unionpay: {
      private_key: '[redacted]',
      sign_cert_pfx: '[redacted]',
      sign_cert_password: '[redacted]',
      root_cert: '-----BEGIN CERTIFICATE-----…',
    },
  });
});

test('a private key in a public key field, or any long credential, is not kept: key material is known by its content too', () => {
  const privatePem = `-----BEGIN RSA PRIVATE KEY-----\n${'A'.repeat(1600)}\n-----END RSA PRIVATE KEY-----`;
  const bareBase64 = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ'.repeat(30);
  expect(
    redacted({
      provider: 'alipay',
      credentials: { app_id: '2021000000000001', alipay_public_key: privatePem, app_public_key: bareBase64 },
      note: privatePem,
    }),
  ).toEqual({
    provider: 'alipay',
    credentials: { app_id: '2021000000000001', alipay_public_key: '[redacted]', app_public_key: '[redacted]' },
    note: '[redacted]',
  });
});

test('a body nested 10,000 objects deep is kept as a mark past 32 levels, not a stack overflow', () => {
  let deep: unknown = 'bottom';
  for (let i = 0; i < 10_000; i++) deep = { channel: deep };
  let kept = redacted({ body: deep }) as Record<string, unknown>;
  let levels = 0;
  while (typeof kept === 'object' && kept !== null) {
    kept = (kept.body ?? kept.channel) as Record<string, unknown>;
    levels++;
  }
  expect({ levels, kept }).toEqual({ levels: 32, kept: '[nested too deep]' });
});
