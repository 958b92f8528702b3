import { createHash } from 'node:crypto';
import { Wechatpay } from 'wechatpay-axios-plugin';
import type { z } from 'zod';
import type { ProviderError } from '../errors';
import { describeFirstIssue } from '../wire-issues';
import type { WechatpayClientConfig } from './wechatpay.config';
import { classifyWechatpayFailure, failureFromPluginError, type WechatpayFailure } from './wechatpay.errors';

// WeChat Pay's signed transport for one merchant (mchid), on wechatpay-axios-plugin: requests
// signed with the merchant's key, every answer's signature verified by the plugin, bills (which
// WeChat does not sign) checked against the digest of the signed answer that named them, and the
// classification of what fails. The provider and the statement fetch (wechatpay.provider.ts,
// wechatpay.statement-fetch.ts) build on it.

export interface WechatpayClientOptions {
  /** Per-call timeout; 10 s unless told. */
  timeoutMs?: number;
}

/** One APIv3 request; `name` goes into error messages. */
export type WechatpayOperation = {
  name: string;
  method: 'GET' | 'POST';
  url: string;
  params?: Record<string, string>;
  data?: object;
  /**
   * Verify the signature of an error answer too, and hand it back as an answer with its status:
   * the plugin verifies only 2xx answers (its v0.8.13), which leaves a 404 "no such order" unproven.
   */
  verifyErrors?: boolean;
};

/** A 2xx answer, its signature verified; or what went wrong, for the caller to read or classify. */
export type WechatpayAnswer = { ok: true; status: number; data: unknown } | { ok: false; failure: WechatpayFailure };

export interface WechatpayClient {
  /** One APIv3 call; a 2xx answer's signature was verified by the plugin, anything else becomes a WechatpayFailure. */
  send(operation: WechatpayOperation): Promise<WechatpayAnswer>;
  /** One APIv3 call whose every failure is a ProviderError, its answer parsed with `schema`. */
  call<S extends z.ZodType>(operation: WechatpayOperation, schema: S): Promise<z.infer<S>>;
  /** A verified answer read with `schema`; one that does not fit is a ProviderError. */
  parse<S extends z.ZodType>(name: string, schema: S, data: unknown): z.infer<S>;
  /**
   * Downloads a bill from `download_url` and checks it against the SHA1 of the signed answer that
   * gave the URL: WeChat does not sign downloads. https://pay.weixin.qq.com/doc/v3/merchant/4013071254
   */
  downloadBill(name: string, downloadUrl: string, sha1: string): Promise<Buffer>;
}

/** Where WeChat's bill download lives; the plugin skips verifying a signature only for this path. */
const BILL_DOWNLOAD_PATH = 'v3/billdownload/file';

/** Whether WeChat refused with one of `codes`. */
export const isWechatpayCode = (failure: WechatpayFailure, codes: readonly string[]): boolean =>
  failure.kind === 'response' && failure.code !== null && codes.includes(failure.code);

/** The ProviderError for a verified answer that is not what the API documents (another order, a missing field…). */
export const malformedAnswer = (name: string, message: string): ProviderError =>
  classifyWechatpayFailure({ kind: 'malformed', message }, name);

/** The lower-case hex SHA1 WeChat gives as `hash_value`, of the file as downloaded (uncompressed). */
function wechatpayBillDigest(bytes: Buffer): string {
  return createHash('sha1').update(bytes).digest('hex');
}

export function createWechatpayClient(
  config: WechatpayClientConfig,
  options: WechatpayClientOptions = {},
): WechatpayClient {
  const wxpay = new Wechatpay({
    mchid: config.mchid,
    serial: config.merchantSerialNo,
    privateKey: config.merchantPrivateKeyPem,
    certs: Object.fromEntries(config.verificationKeys),
    baseURL: config.baseUrl,
    timeout: options.timeoutMs ?? 10_000,
  });
  const http = wxpay.client.v3;

  async function send(operation: WechatpayOperation): Promise<WechatpayAnswer> {
    try {
      const response = await http.request({
        method: operation.method,
        url: operation.url,
        params: operation.params,
        data: operation.data,
        // During a switch to the WeChat Pay public key, WeChat signs its answer with the key the
        // request names. https://pay.weixin.qq.com/doc/v3/partner/4012925289
        headers: { 'Wechatpay-Serial': config.preferredSerial, Accept: 'application/json' },
        // The plugin's verifier skips the statuses axios would refuse: refusing none has it verify them all.
        ...(operation.verifyErrors ? { validateStatus: () => true } : {}),
      });
      return { ok: true, status: response.status, data: response.data as unknown };
    } catch (error) {
      return { ok: false, failure: failureFromPluginError(error) };
    }
  }

  async function call<S extends z.ZodType>(operation: WechatpayOperation, schema: S): Promise<z.infer<S>> {
    const answer = await send(operation);
    if (!answer.ok) throw classifyWechatpayFailure(answer.failure, operation.name);
    return parse(operation.name, schema, answer.data);
  }

  function parse<S extends z.ZodType>(name: string, schema: S, data: unknown): z.infer<S> {
    const parsed = schema.safeParse(data);
    if (!parsed.success) throw malformedAnswer(name, describeFirstIssue(parsed.error, 'body'));
    return parsed.data;
  }

  async function downloadBill(name: string, downloadUrl: string, sha1: string): Promise<Buffer> {
    let url: URL;
    try {
      url = new URL(downloadUrl);
    } catch {
      throw malformedAnswer(name, 'download_url is not a URL');
    }
    if (!url.pathname.endsWith(`/${BILL_DOWNLOAD_PATH}`)) {
      throw malformedAnswer(name, `download_url's path ${url.pathname} is not /${BILL_DOWNLOAD_PATH}`);
    }
    let bytes: Buffer;
    try {
      // Sent to the gateway this account is configured with, whatever host download_url names: a
      // signed request goes only where we send the others. The path, not the URL, goes to the
      // plugin, which recognises downloads (and skips the signature they lack) by their path alone.
      const response = await http.request({
        method: 'GET',
        url: BILL_DOWNLOAD_PATH,
        params: Object.fromEntries(url.searchParams),
        responseType: 'arraybuffer',
      });
      bytes = Buffer.from(response.data as ArrayBuffer);
    } catch (error) {
      throw classifyWechatpayFailure(failureFromPluginError(error), name);
    }
    const digest = wechatpayBillDigest(bytes);
    if (digest !== sha1.toLowerCase()) {
      throw classifyWechatpayFailure(
        {
          kind: 'integrity',
          message: `its SHA1 is ${digest}, the signed hash_value ${sha1.toLowerCase()} (${bytes.length} bytes received)`,
        },
        name,
      );
    }
    return bytes;
  }

  return { send, call, parse, downloadBill };
}
