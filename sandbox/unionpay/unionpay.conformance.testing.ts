import { X509Certificate } from 'node:crypto';
import {
  checkSignerCertificate,
  readSigningPfx,
  type UnionpaySigningCertificate,
} from '../../providers/unionpay/unionpay.certificates';
import { UNIONPAY_SIGNER_IDENTITY } from '../../providers/unionpay/unionpay.config';
import { toUnionpayTime } from '../../providers/unionpay/unionpay.mapping';
import { convertResultStringToMap } from '../../providers/unionpay/unionpay.qstring';
import { unionpaySign, unionpayVerify } from '../../providers/unionpay/unionpay.signature';
import {
  newOutTradeNo,
  startReceiver,
  startTestSandbox,
  type ReceivedRequest,
  type Receiver,
  type TestSandbox,
} from '../sandbox.testing';

// What the UnionPay conformance and statement tests (unionpay.*conformance.test.ts,
// unionpay.statement.test.ts) share: one sandbox and one merchant notify endpoint per test file
// (useConformanceSandbox), and a merchant's ACP 5.1.0 client: forms signed with the merchant's
// PFX, answers read with UnionPay's parser and trusted only through signPubKeyCert's chain, as
// UnionPay's SDK does (the adapter's implementation of it). Not used by the sandbox itself.

/** 1m → 100 ms, 2m → 200 ms …: UnionPay's retry schedule in a test's time. */
export const TIME_SCALE = 600;

/** This test file's sandbox and the merchant's notify endpoint, set before its tests run. */
export let sandbox: TestSandbox;
export let receiver: Receiver;
/** How the merchant's notify endpoint answers, per order; HTTP 200 unless told. */
export const responders = new Map<string, (index: number) => { status: number; body: string }>();

/**
 * Starts the file's sandbox and notify endpoint before its tests, and stops them after.
 * `timeScale` divides UnionPay's delays (notification retries, refund settlement).
 */
export function useConformanceSandbox(timeScale = TIME_SCALE): void {
  beforeAll(async () => {
    sandbox = await startTestSandbox({ timeScale });
    receiver = await startReceiver();
    receiver.respond = (request) => {
      const orderId = request.form.orderId;
      const index = receiver.requests.filter((r) => r.form.orderId === orderId).length - 1;
      return responders.get(orderId)?.(index) ?? { status: 200, body: 'ok' };
    };
  });

  afterAll(async () => {
    await sandbox?.close();
    await receiver?.close();
  });
}

export interface Merchant {
  answer: Record<string, string>;
  signing: UnionpaySigningCertificate;
  merId: string;
}

export async function openMerchant(): Promise<Merchant> {
  const opened = await sandbox.control<Record<string, string>>('POST', '/_control/accounts', { provider: 'unionpay' });
  expect(opened.status).toBe(201);
  return {
    answer: opened.body,
    signing: readSigningPfx(opened.body.sign_cert_pfx, opened.body.sign_cert_password),
    merId: opened.body.mer_id,
  };
}

/** A request as UnionPay's SDK sends it: common fields, certId, signature. */
export function signed(merchant: Merchant, fields: Record<string, string>): Record<string, string> {
  const request = {
    version: '5.1.0',
    encoding: 'UTF-8',
    signMethod: '01',
    accessType: '0',
    merId: merchant.merId,
    certId: merchant.signing.certId,
    ...fields,
  };
  return { ...request, signature: unionpaySign(request, merchant.signing.privateKey) };
}

export function consume(merchant: Merchant, overrides: Record<string, string> = {}): Record<string, string> {
  const orderId = overrides.orderId ?? newOutTradeNo('C');
  return signed(merchant, {
    txnType: '01',
    txnSubType: '01',
    bizType: '000201',
    channelType: '07',
    orderId,
    txnTime: toUnionpayTime(new Date()),
    txnAmt: '1999',
    currencyCode: '156',
    backUrl: `${receiver.url}/${orderId}`,
    frontUrl: 'https://shop.example/return',
    payTimeout: toUnionpayTime(new Date(Date.now() + 15 * 60_000)),
    ...overrides,
  });
}

export const url = (path: string) => `${sandbox.url}/unionpay/gateway/api/${path}.do`;

export const post = (path: string, form: Record<string, string>) =>
  fetch(url(path), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
    body: new URLSearchParams(form),
    redirect: 'manual',
  });

/** An answer read as UnionPay's SDK reads it, and trusted only if its signature and certificate check out. */
export async function answerOf(response: Response, merchant: Merchant): Promise<Record<string, string>> {
  expect(response.status).toBe(200);
  const fields = convertResultStringToMap(await response.text());
  if (!fields) throw new Error('empty answer');
  const trust = {
    root: new X509Certificate(merchant.answer.root_cert),
    middle: new X509Certificate(merchant.answer.middle_cert),
    expectedIdentity: UNIONPAY_SIGNER_IDENTITY.test,
  };
  const check = checkSignerCertificate(fields.signPubKeyCert, trust);
  if (!check.ok) throw new Error(check.reason);
  expect(unionpayVerify(fields, check.certificate.publicKey)).toBe(true);
  return { ...fields };
}

/** Submits the consume, as the shopper's browser does, and lands on the card page. */
export async function openCashier(form: Record<string, string>): Promise<string> {
  const submitted = await post('frontTransReq', form);
  expect(submitted.status).toBe(302);
  const cashier = submitted.headers.get('location') ?? '';
  expect(cashier).toMatch(new RegExp(`^${sandbox.url}/unionpay/cashier/`));
  return cashier;
}

export const query = (merchant: Merchant, orderId: string, txnTime: string) =>
  post('queryTrans', signed(merchant, { txnType: '00', txnSubType: '00', bizType: '000000', orderId, txnTime }));

export const tradeRecord = async (orderId: string) =>
  (
    await sandbox.control<Record<string, unknown> & { notifications: Array<{ state: string; attempts: unknown[] }> }>(
      'GET',
      `/_control/trades/unionpay/${orderId}`,
    )
  ).body;

export const received = (orderId: string): ReceivedRequest[] =>
  receiver.requests.filter((r) => r.form.orderId === orderId);
