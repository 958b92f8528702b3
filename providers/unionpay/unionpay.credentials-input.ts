import type { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import {
  base64FileField,
  certificateField,
  certificatePart,
  certificateValidAt,
  defineCredentialsForm,
  fileBase64,
  pemOf,
  readCertificate,
  secretPart,
} from '../credentials-input';
import { UnionpayPfxError, type UnionpaySigningCertificate } from './unionpay.certificates';
import { readPfxCached, unionpayCredentialsSchema, type UnionpayCredentials } from './unionpay.config';

/** Opening a PKCS#12 file costs tens of milliseconds (3DES, 2048 PBKDF rounds): the adapter's memo is shared. */
const openPfx = (pfx: string, password: string): UnionpaySigningCertificate | UnionpayPfxError =>
  readPfxCached(fileBase64(pfx) ?? '', password);

/**
 * A UnionPay merchant's files as an admin uploads them (ACP 5.1.0, from UnionPay's merchant
 * service platform): the signing certificate as PKCS#12 (.pfx, base64) with its password, and
 * UnionPay's root and middle certificates, which its answers' certificates must chain to.
 */
export const unionpayCredentialsForm = defineCredentialsForm({
  fields: {
    /** The merchant code (商户代码), 15 letters and digits; the account's external id. */
    mer_id: z.string().regex(/^[0-9A-Za-z]{15}$/, 'must be the 15-character UnionPay merchant code (merId)'),
    /** The signing certificate and its key (.pfx), base64 or a data: URL. */
    sign_cert_pfx: base64FileField('the signing certificate, .pfx'),
    sign_cert_password: z.string().max(200),
    /** acp_prod_root.cer (acp_test_root.cer in UnionPay's test environment). */
    root_cert: certificateField('acp_prod_root.cer'),
    /** acp_prod_middle.cer (acp_test_middle.cer). */
    middle_cert: certificateField('acp_prod_middle.cer'),
  },
  externalIdField: 'mer_id',
  check(input, ctx) {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const signing = openPfx(input.sign_cert_pfx, input.sign_cert_password);
    // The messages never echo the file or the password.
    if (signing instanceof UnionpayPfxError) {
      if (signing.message.includes('password')) issue('sign_cert_password', 'does not open sign_cert_pfx');
      else issue('sign_cert_pfx', `cannot be used: ${signing.message}`);
    } else if (!certificateValidAt(signing.certificate)) {
      issue(
        'sign_cert_pfx',
        `holds a certificate (certId ${signing.certId}) not valid now (valid ${new Date(signing.certificate.validFrom).toISOString()} to ${new Date(signing.certificate.validTo).toISOString()})`,
      );
    }
    const root = readCertificate(input.root_cert);
    const middle = readCertificate(input.middle_cert);
    if (root && !root.ca) issue('root_cert', 'is not a CA certificate');
    if (middle && !middle.ca) issue('middle_cert', 'is not a CA certificate');
    if (root && middle && !(middle.checkIssued(root) && middle.verify(root.publicKey)))
      issue('middle_cert', 'was not issued by root_cert');
  },
  toStored: (input): UnionpayCredentials => ({
    merId: input.mer_id,
    signCertPfx: fileBase64(input.sign_cert_pfx) as string,
    signCertPassword: input.sign_cert_password,
    rootCert: pemOf.certificate(readCertificate(input.root_cert) as X509Certificate),
    middleCert: pemOf.certificate(readCertificate(input.middle_cert) as X509Certificate),
  }),
  readStored: (stored) => unionpayCredentialsSchema.parse(stored),
  toInput: (stored) => ({
    mer_id: stored.merId,
    sign_cert_pfx: stored.signCertPfx,
    sign_cert_password: stored.signCertPassword,
    root_cert: stored.rootCert,
    middle_cert: stored.middleCert,
  }),
  describe(stored) {
    const signing = openPfx(stored.signCertPfx, stored.signCertPassword);
    if (signing instanceof UnionpayPfxError) throw signing;
    return [
      certificatePart('sign_cert_pfx', signing.certificate, signing.certId, 'pkcs12'),
      secretPart('sign_cert_password'),
      certificatePart('root_cert', readCertificate(stored.rootCert) as X509Certificate),
      certificatePart('middle_cert', readCertificate(stored.middleCert) as X509Certificate),
    ];
  },
  unknownOrderAnswer: { code: '34', message: '查无此交易' },
});
