import type { z } from 'zod';
import type { ProviderError } from '../errors';
import type { ProviderEnvironment } from '../provider';
import type { ProviderAccount } from '../../domain/provider-account';
import { describeFirstIssue, truncated } from '../wire-issues';
import { checkSignerCertificate } from './unionpay.certificates';
import { unionpayClientConfig, type UnionpayClientConfig } from './unionpay.config';
import { classifyUnionpayFailure } from './unionpay.errors';
import { convertResultStringToMap } from './unionpay.qstring';
import { SIGNATURE_FIELD, unionpaySign, unionpayVerify } from './unionpay.signature';
import {
  UNIONPAY_ENCODING,
  UNIONPAY_SIGN_METHOD,
  UNIONPAY_VERSION,
  type UnionpayFileTransferRequest,
  type UnionpayQueryByIdRequest,
  type UnionpayQueryRequest,
  type UnionpayRefundRequest,
  type UnionpaySignedRequest,
} from './unionpay.types';

// UnionPay's signed transport for one merchant (merId): requests signed with the merchant's
// certificate, answers and notifications trusted only once verified, the server-to-server call and
// the classification of its failures. The provider, the notifications and the statement fetch
// (unionpay.provider.ts, unionpay.notifications.ts, unionpay.statement-fetch.ts) build on it.

export interface UnionpayClientOptions {
  /** Per-call timeout for backTransReq and queryTrans; 10 s unless told. */
  timeoutMs?: number;
  /** The clock that certificates are checked against, for tests. */
  now?: () => Date;
}

/** UnionPay's entry points, by the names its documentation gives them; they go into error messages. */
export type UnionpayCall = 'frontTransReq' | 'backTransReq' | 'queryTrans' | 'fileTransRequest';

/** The requests sent server to server (frontTransReq's form travels in the shopper's browser). */
type UnionpayBackRequest =
  UnionpayRefundRequest | UnionpayQueryRequest | UnionpayQueryByIdRequest | UnionpayFileTransferRequest;

/** What every answer carries that the client checks. */
type UnionpayAnswer = { respCode: string; respMsg?: string; merId?: string; orderId?: string };

/** Whether a message is UnionPay's own; the reason when it is not. */
export type UnionpayVerification = { ok: true } | { ok: false; reason: string };

export interface UnionpayClient {
  /** The account's configuration, read on first use (see createUnionpayClient). */
  config(): UnionpayClientConfig;
  /** The clock: certificates are checked against it, and a file request is timed by it. */
  now(): Date;
  /** The fields every request starts with: version, encoding, signMethod, certId, accessType, merId. */
  merchantFields(): UnionpaySignedRequest;
  /** The request as UnionPay's SDK submits it: blank fields dropped, values trimmed (SDKUtil.filterBlank), then signed. */
  signed(request: object): Record<string, string>;
  /** Whether a message (answer or notification) is UnionPay's own; the reason when it is not. */
  verifyMessage(fields: Record<string, string>): UnionpayVerification;
  /** One server-to-server call; anything but a verified, well-formed answer becomes a ProviderError. */
  call<S extends z.ZodType<UnionpayAnswer>>(
    name: Exclude<UnionpayCall, 'frontTransReq'>,
    request: UnionpayBackRequest,
    schema: S,
  ): Promise<z.infer<S>>;
}

/** The ProviderError for a verified answer whose respCode the caller cannot use. */
export const failedAnswer = (name: UnionpayCall, answer: { respCode: string; respMsg?: string }): ProviderError =>
  classifyUnionpayFailure({ kind: 'response', respCode: answer.respCode, respMsg: answer.respMsg ?? null }, name);

/** The ProviderError for an answer that is not what UnionPay sends (another order, a missing field…). */
export const malformedAnswer = (name: UnionpayCall, message: string): ProviderError =>
  classifyUnionpayFailure({ kind: 'malformed', message }, name);

/**
 * A small ACP 5.1.0 client on node:crypto. Every request is signed with the merchant's certificate
 * (signMethod 01); every answer and notification is trusted only once its signPubKeyCert chains to
 * the configured root and middle certificates, is in date, belongs to UnionPay, and its signature
 * verifies.
 */
export function createUnionpayClient(
  account: ProviderAccount,
  env: ProviderEnvironment,
  options: UnionpayClientOptions = {},
): UnionpayClient {
  const now = options.now ?? (() => new Date());
  const timeoutMs = options.timeoutMs ?? 10_000;
  let resolved: UnionpayClientConfig | null = null;
  // Read on first use, not here: broken credentials then fail each call with a non-retryable
  // ProviderInvalidRequestError instead of failing whoever asked for the adapter.
  const config = (): UnionpayClientConfig => (resolved ??= unionpayClientConfig(account, env, now()));

  function signed(request: object): Record<string, string> {
    const cfg = config();
    const fields: Record<string, string> = {};
    for (const [name, value] of Object.entries(request)) {
      if (typeof value === 'string' && value.trim() !== '') fields[name] = value.trim();
    }
    fields.certId = cfg.signing.certId;
    fields[SIGNATURE_FIELD] = unionpaySign(fields, cfg.signing.privateKey);
    return fields;
  }

  function verifyMessage(fields: Record<string, string>): UnionpayVerification {
    if (fields.version !== UNIONPAY_VERSION)
      return { ok: false, reason: `version ${JSON.stringify(fields.version ?? null)} is not ${UNIONPAY_VERSION}` };
    if (fields.signMethod !== UNIONPAY_SIGN_METHOD)
      return { ok: false, reason: `signMethod ${JSON.stringify(fields.signMethod ?? null)} is not 01` };
    if (!fields[SIGNATURE_FIELD]) return { ok: false, reason: 'it carries no signature' };
    if (!fields.signPubKeyCert) return { ok: false, reason: 'it carries no signPubKeyCert' };
    const check = checkSignerCertificate(fields.signPubKeyCert, config().trust, now());
    if (!check.ok) return check;
    if (!unionpayVerify(fields, check.certificate.publicKey))
      return { ok: false, reason: 'the signature does not match the message' };
    return { ok: true };
  }

  async function call<S extends z.ZodType<UnionpayAnswer>>(
    name: Exclude<UnionpayCall, 'frontTransReq'>,
    request: UnionpayBackRequest,
    schema: S,
  ): Promise<z.infer<S>> {
    const cfg = config();
    const body = new URLSearchParams(signed(request)).toString();
    let status: number;
    let text: string;
    try {
      const response = await fetch(cfg.urls[name], {
        method: 'POST',
        headers: { 'content-type': `application/x-www-form-urlencoded;charset=${UNIONPAY_ENCODING}` },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      throw classifyUnionpayFailure({ kind: 'transport', message: describeError(error) }, name);
    }
    if (status !== 200) throw classifyUnionpayFailure({ kind: 'http', status }, name);
    let fields: Record<string, string> | null;
    try {
      fields = convertResultStringToMap(text);
    } catch (error) {
      throw malformedAnswer(name, `${(error as Error).message}: ${truncated(text, 200)}`);
    }
    if (!fields) throw malformedAnswer(name, 'an empty answer');
    const verified = verifyMessage(fields);
    if (!verified.ok) throw classifyUnionpayFailure({ kind: 'signature', message: verified.reason }, name);
    const parsed = schema.safeParse(fields);
    if (!parsed.success) throw malformedAnswer(name, describeFirstIssue(parsed.error));
    const answer = parsed.data;
    // Signed by UnionPay, but for someone else's request (a confused proxy, a replayed answer).
    if (answer.merId !== undefined && answer.merId !== cfg.merId)
      throw malformedAnswer(name, `answered for merId ${answer.merId}`);
    // Requests that name no order (a query by queryId, a file) get answers that may name one.
    if ('orderId' in request && answer.orderId !== undefined && answer.orderId !== request.orderId) {
      throw malformedAnswer(name, `answered for orderId ${answer.orderId}`);
    }
    return answer;
  }

  return {
    config,
    now,
    merchantFields: () => ({
      version: UNIONPAY_VERSION,
      encoding: UNIONPAY_ENCODING,
      signMethod: UNIONPAY_SIGN_METHOD,
      certId: config().signing.certId,
      accessType: '0',
      merId: config().merId,
    }),
    signed,
    verifyMessage,
    call,
  };
}

/** "TypeError: fetch failed" says nothing; the cause (refused, timed out) is what an operator needs. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const text = `${error.name}: ${error.message}`;
  return error.cause === undefined ? text : `${text} (${describeError(error.cause)})`;
}
