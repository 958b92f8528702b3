import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';
import type { ProviderAccount } from '../../domain/provider-account';
import { unionpaySign } from './unionpay.signature';

// Test helpers: a small certificate authority built with node-forge, independent of the sandbox's
// own (sandbox/unionpay/unionpay.pki.ts), so that the adapter's certificate checks are tested
// against certificates the sandbox did not make; and a scripted gateway that answers as each test
// says, signing with such an authority as UnionPay would, for answers the sandbox never gives. Not
// used by the adapter itself.

export const TEST_SIGNER_CN = '041@Z12@00040000:SIGN@00000062';
export const LIVE_SIGNER_CN = '041@Z12@中国银联股份有限公司@00000001';

const DAY_MS = 86_400_000;

export interface TestCert {
  certPem: string;
  keyPem: string;
}

export interface IssueOptions {
  cn: string;
  issuer: TestCert | 'self';
  ca?: boolean;
  notBefore?: Date;
  notAfter?: Date;
  /** Hex, without a leading zero byte; random unless given. */
  serial?: string;
}

function keyPair(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
}

/** A certificate with a new key, issued as told. */
export function issueTestCert(options: IssueOptions): TestCert {
  const keys = keyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKey);
  cert.serialNumber = options.serial ?? `1${randomBytes(7).toString('hex')}`;
  cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - DAY_MS);
  cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 365 * DAY_MS);
  const subject: forge.pki.CertificateField[] = [
    { shortName: 'C', value: 'CN' },
    { shortName: 'O', value: 'Tongbao Test CA' },
    { shortName: 'CN', value: options.cn, valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class },
  ];
  cert.setSubject(subject);
  const issuer = options.issuer === 'self' ? null : options.issuer;
  cert.setIssuer(issuer ? forge.pki.certificateFromPem(issuer.certPem).subject.attributes : subject);
  cert.setExtensions(
    options.ca
      ? [
          { name: 'basicConstraints', cA: true, critical: true },
          { name: 'keyUsage', keyCertSign: true, cRLSign: true },
        ]
      : [{ name: 'basicConstraints', cA: false }],
  );
  cert.sign(forge.pki.privateKeyFromPem(issuer ? issuer.keyPem : keys.privateKey), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privateKey };
}

/** A root, a middle under it, and a signing certificate under the middle owned by `signerCn`. */
export interface TestPki {
  root: TestCert;
  middle: TestCert;
  signer: TestCert;
}

export function makeTestPki(signerCn: string = TEST_SIGNER_CN): TestPki {
  const root = issueTestCert({
    cn: 'Test Root CA',
    issuer: 'self',
    ca: true,
    notAfter: new Date(Date.now() + 3650 * DAY_MS),
  });
  const middle = issueTestCert({
    cn: 'Test OCA1',
    issuer: root,
    ca: true,
    notAfter: new Date(Date.now() + 3650 * DAY_MS),
  });
  const signer = issueTestCert({ cn: signerCn, issuer: middle });
  return { root, middle, signer };
}

/** A PKCS#12 file (base64) holding `keyPem` and `certPem`, as UnionPay's certificate tool makes them. */
export function makePfx(keyPem: string, certPem: string, password: string): string {
  const p12 = forge.pkcs12.toPkcs12Asn1(
    forge.pki.privateKeyFromPem(keyPem),
    [forge.pki.certificateFromPem(certPem)],
    password,
    { algorithm: '3des' },
  );
  return forge.util.encode64(forge.asn1.toDer(p12).getBytes());
}

/** `fields` signed by `signer` the way UnionPay signs its messages, with signPubKeyCert attached. */
export function signedByUnionpay(fields: Record<string, string>, signer: TestCert): Record<string, string> {
  const message = { ...fields, signPubKeyCert: signer.certPem };
  return { ...message, signature: unionpaySign(message, createPrivateKey(signer.keyPem)) };
}

/** A merchant whose signing certificate `pki`'s middle CA issued, as a stored account that trusts `pki`. */
export function testMerchant(pki: TestPki, merId: string): { account: ProviderAccount; certificate: TestCert } {
  const certificate = issueTestCert({ cn: `041@Z${merId}@Shop@00000001`, issuer: pki.middle });
  const account: ProviderAccount = {
    id: 'pa_test',
    provider: 'unionpay',
    livemode: false,
    externalId: merId,
    credentials: {
      merId,
      signCertPfx: makePfx(certificate.keyPem, certificate.certPem, 'pw'),
      signCertPassword: 'pw',
      rootCert: pki.root.certPem,
      middleCert: pki.middle.certPem,
    },
  };
  return { account, certificate };
}

/** What the scripted gateway answers a request with: fields (UnionPay's raw `k=v&…`), a raw body, or a bare HTTP status. */
export type GatewayScript = (
  request: Record<string, string>,
  path: string,
) => Record<string, string> | { raw: string } | { status: number };

export interface ScriptedGateway {
  /** Where it listens: the adapter's `sandboxUrl`. */
  url: string;
  /** How it answers the next requests; each test sets its own. */
  script: GatewayScript;
  /** Every request it received, oldest first. */
  requests: Array<{ path: string; fields: Record<string, string> }>;
}

/** Starts, for this test file, a stand-in for UnionPay's gateway that answers as its `script` says. */
export function useScriptedGateway(): ScriptedGateway {
  const gateway: ScriptedGateway = { url: '', script: () => ({ status: 500 }), requests: [] };
  let server: Server;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        const fields = Object.fromEntries(new URLSearchParams(body));
        gateway.requests.push({ path: req.url ?? '', fields });
        const answer = gateway.script(fields, req.url ?? '');
        if ('status' in answer && typeof answer.status === 'number') {
          res.writeHead(answer.status).end();
          return;
        }
        // UnionPay's raw k=v, values unencoded.
        const text =
          'raw' in answer
            ? answer.raw
            : Object.entries(answer)
                .map(([k, v]) => `${k}=${v}`)
                .join('&');
        res.writeHead(200, { 'content-type': 'text/plain;charset=UTF-8' }).end(text);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    gateway.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return gateway;
}
