import { webhookSignatureHeader } from './webhook-signature';

// Expected values computed outside Node, with
//   printf '%s' '<t>.<body>' | openssl dgst -sha256 -hmac 'whsec_5ecret'
describe('the Tongbao-Signature header', () => {
  const secret = 'whsec_5ecret';
  const t = 1763776800;

  test('carries the timestamp and the HMAC-SHA256 of "<t>.<raw body>", keyed with the whole whsec_ secret', () => {
    expect(webhookSignatureHeader(secret, '{"id":"evt_1","object":"event"}', t)).toBe(
      't=1763776800,v1=facb5f117375eb76195bbb9959685df37e0a48589c60a4758269452418b0ae87',
    );
  });

  test('signs the body as UTF-8 bytes, so Chinese descriptions verify in any language', () => {
    expect(
      webhookSignatureHeader(secret, '{"id":"evt_1","object":"event","data":{"object":{"description":"茶具"}}}', t),
    ).toBe('t=1763776800,v1=1ac1cc045c0ea65a74148ef18a1346a1cddaca1c2648733230502069c6649130');
  });

  test('a different timestamp, body or secret gives a different signature', () => {
    const body = '{"id":"evt_1","object":"event"}';
    const reference = webhookSignatureHeader(secret, body, t).split('v1=')[1];
    expect(webhookSignatureHeader(secret, body, t + 1).split('v1=')[1]).not.toBe(reference);
    expect(webhookSignatureHeader(secret, `${body} `, t).split('v1=')[1]).not.toBe(reference);
    expect(webhookSignatureHeader('5ecret', body, t).split('v1=')[1]).not.toBe(reference);
  });

  test('refuses a fractional or negative timestamp: the header carries whole unix seconds', () => {
    expect(() => webhookSignatureHeader(secret, '{}', 1763776800.5)).toThrow(RangeError);
    expect(() => webhookSignatureHeader(secret, '{}', -1)).toThrow(RangeError);
  });

  test('while a secret is rolled, both sign: the new first, each as its own v1=', () => {
    const body = '{"id":"evt_1"}';
    const t = 1763776800;
    const [fresh, old] = ['whsec_new', 'whsec_old'].map((one) => webhookSignatureHeader(one, body, t).split('v1=')[1]);
    expect(webhookSignatureHeader(['whsec_new', 'whsec_old'], body, t)).toBe(`t=${t},v1=${fresh},v1=${old}`);
  });
});
