import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import type { z } from 'zod';
import { ProviderUnavailableError, type ProviderError } from '../errors';
import { describeFirstIssue } from '../wire-issues';
import type { AlipayClientConfig } from './alipay.config';
import { classifyAlipayFailure, failureFromSdkError } from './alipay.errors';

// Alipay's signed transport for one app, on the official alipay-sdk: requests signed with the
// app's key, every answer's signature verified (`validateSign: true`), notifications checked with
// checkNotifySignV2, bills fetched from the links signed answers give, and the classification of
// what fails. The provider, the notifications and the statement fetch (alipay.provider.ts,
// alipay.notifications.ts, alipay.statement-fetch.ts) build on it.

export interface AlipayClientOptions {
  /** Per-call timeout; alipay-sdk's default is 5 s. */
  timeoutMs?: number;
  /** Timeout of a bill download, which can be far larger than an API answer; 60 s unless told. */
  billDownloadTimeoutMs?: number;
}

/** The `code` of every answer that did what was asked. */
export const ALIPAY_SUCCESS = '10000';

/** What every answer carries that the caller reads: a failure's codes. */
type AlipayAnswer = { code: string; sub_code?: string; sub_msg?: string };

export interface AlipayClient {
  /** One gateway call; anything but a verified, well-formed answer becomes a ProviderError. */
  call<S extends z.ZodType<AlipayAnswer>>(
    method: string,
    bizContent: object,
    schema: S,
    params?: Record<string, string>,
  ): Promise<z.infer<S>>;
  /** The signed GET URL of a page the shopper's browser opens (alipay.trade.page.pay, alipay.trade.wap.pay). */
  pageUrl(method: string, params: Record<string, unknown>): string;
  /** Whether Alipay signed a notification's form; false for anything the SDK cannot check. */
  isSignedByAlipay(form: Record<string, string>): boolean;
  /**
   * A bill's zip, fetched as it is: the link came in a signed answer (of `method`), and the zip's
   * CRCs show whether it arrived whole. The link carries a token, so errors name only its origin and path.
   */
  downloadBill(method: string, url: string): Promise<Buffer>;
}

/** The ProviderError for a verified answer whose code is not 10000 and that the caller cannot use. */
export const failedAnswer = (method: string, answer: AlipayAnswer): ProviderError =>
  classifyAlipayFailure(
    { kind: 'response', code: answer.code, subCode: answer.sub_code ?? null, subMsg: answer.sub_msg ?? null },
    method,
  );

/** The ProviderError for a verified answer that is not what Alipay documents (another trade, a missing field…). */
export const malformedAnswer = (method: string, message: string): ProviderError =>
  classifyAlipayFailure({ kind: 'malformed', message }, method);

/**
 * alipay-sdk keeps both keys as PEM text and hands them to node:crypto at every signature, which
 * parses them again each time (OpenSSL 3's decoders): ~0.8 ms of a request's 1.1 ms signature and
 * ~0.1 of a notification's 0.18 ms check. Both keys parsed once per client (a client lives as long
 * as its account's adapter, provider-cache.ts); node:crypto's sign and verify take the KeyObject
 * wherever they took the PEM, and the SDK uses the keys for nothing else.
 */
function useParsedKeys(sdk: AlipaySdk): void {
  const keys = sdk.config as unknown as { privateKey: string | KeyObject; alipayPublicKey: string | KeyObject };
  keys.privateKey = createPrivateKey(keys.privateKey as string);
  if (keys.alipayPublicKey) keys.alipayPublicKey = createPublicKey(keys.alipayPublicKey as string);
}

export function createAlipayClient(config: AlipayClientConfig, options: AlipayClientOptions = {}): AlipayClient {
  const sdk = new AlipaySdk({
    appId: config.appId,
    privateKey: config.privateKeyPem,
    keyType: 'PKCS1',
    alipayPublicKey: config.alipayPublicKeyPem,
    gateway: config.gateway,
    signType: 'RSA2',
    // Keep Alipay's snake_case names, so that answers match the wire types in alipay.types.ts.
    camelcase: false,
    timeout: options.timeoutMs ?? 5000,
  });
  useParsedKeys(sdk);

  async function call<S extends z.ZodType<AlipayAnswer>>(
    method: string,
    bizContent: object,
    schema: S,
    params: Record<string, string> = {},
  ): Promise<z.infer<S>> {
    let answer: unknown;
    try {
      answer = await sdk.exec(method, { ...params, bizContent }, { validateSign: true });
    } catch (error) {
      throw classifyAlipayFailure(failureFromSdkError(error), method);
    }
    const parsed = schema.safeParse(answer);
    if (!parsed.success) throw malformedAnswer(method, describeFirstIssue(parsed.error));
    return parsed.data;
  }

  function isSignedByAlipay(form: Record<string, string>): boolean {
    try {
      return sdk.checkNotifySignV2(form);
    } catch {
      return false;
    }
  }

  async function downloadBill(method: string, url: string): Promise<Buffer> {
    let where: string;
    try {
      const parsed = new URL(url);
      where = `${parsed.origin}${parsed.pathname}`;
    } catch {
      throw malformedAnswer(method, 'bill_download_url is not a URL');
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(options.billDownloadTimeoutMs ?? 60_000) });
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => undefined);
        // The link lives 30 s: whatever went wrong, the next attempt asks for a new one.
        throw new ProviderUnavailableError(
          `Alipay bill download from ${where} answered HTTP ${response.status}`,
          `http_${response.status}`,
        );
      }
      return Buffer.from(await response.arrayBuffer());
    } catch (error) {
      if (error instanceof ProviderUnavailableError) throw error;
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new ProviderUnavailableError(`Alipay bill download from ${where} failed: ${reason}`, 'network_error');
    }
  }

  return {
    call,
    pageUrl: (method, params) => sdk.pageExecute(method, 'GET', params),
    isSignedByAlipay,
    downloadBill,
  };
}
