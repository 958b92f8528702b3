/**
 * POSTs to a URL a merchant chose, without letting that URL reach the gateway's own network.
 * The host is resolved once, every address it resolves to is checked (domain/outbound-address.ts),
 * and the connection is made to the checked address: the `lookup` given to the socket is the
 * check, so a DNS answer that changes between a check and the connect (rebinding) cannot slip
 * through. IP literals skip `lookup` in Node, so they are checked before the request.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIpLiteral, refusedAddressClass } from '../domain/outbound-address';

/** Raised when the endpoint's host is, or resolves to, an address webhooks may not reach. */
export class AddressNotAllowedError extends Error {
  readonly code = 'ADDRESS_NOT_ALLOWED';
  constructor(host: string, reason: string) {
    super(`${host} is not a public address (${reason})`);
    this.name = 'AddressNotAllowedError';
  }
}

/** Raised when the endpoint did not answer in time. */
export class DeliveryTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'DeliveryTimeoutError';
  }
}

/** What the delivery log shows instead of an error's text: the text can describe the gateway's network. */
export type DeliveryErrorClass =
  'timeout' | 'connection_refused' | 'dns_error' | 'tls_error' | 'address_not_allowed' | 'connection_error';

/** Resolves a host to all its addresses, like `dns.lookup(host, { all: true })`. Replaced in tests. */
export type Resolve = (host: string) => Promise<{ address: string; family: number }[]>;

const systemResolve: Resolve = (host) => dns.promises.lookup(host, { all: true, verbatim: true });

export interface SafePostOptions {
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** The operator's TONGBAO_WEBHOOK_ALLOW_PRIVATE: loopback and private addresses may be reached (dev, tests). */
  allowPrivate: boolean;
  resolve?: Resolve;
}

/**
 * A socket `lookup` that resolves with `resolve`, refuses the host when any of its addresses is not
 * public (unless `allowPrivate`), and hands the socket the first address: the one checked is the
 * one connected to.
 */
export function checkedLookup(resolve: Resolve, allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname)
      .then((addresses) => {
        const usable = addresses.filter((a) => !options.family || a.family === options.family);
        if (usable.length === 0) {
          const error = Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' });
          throw error;
        }
        if (!allowPrivate) {
          for (const { address } of usable) {
            const refused = refusedAddressClass(address);
            if (refused) throw new AddressNotAllowedError(hostname, refused);
          }
        }
        const [pinned] = usable;
        if (options.all) (callback as (e: null, a: typeof usable) => void)(null, [pinned]);
        else callback(null, pinned.address, pinned.family);
      })
      .catch((error: NodeJS.ErrnoException) => callback(error, '', 0));
  };
}

/** POSTs `body` to `url` once, redirects not followed; resolves with the status code, the body discarded. */
export async function safePost(url: string, options: SafePostOptions): Promise<number> {
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (!options.allowPrivate && isIpLiteral(host)) {
    const refused = refusedAddressClass(host);
    if (refused) throw new AddressNotAllowedError(host, refused);
  }
  const request = target.protocol === 'https:' ? https.request : http.request;
  return new Promise<number>((resolve, reject) => {
    const req = request(target, {
      method: 'POST',
      headers: { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) },
      lookup: checkedLookup(options.resolve ?? systemResolve, options.allowPrivate),
      // No pooled sockets: each attempt resolves and checks again.
      agent: false,
    });
    const timer = setTimeout(() => req.destroy(new DeliveryTimeoutError(options.timeoutMs)), options.timeoutMs);
    req.on('response', (response) => {
      clearTimeout(timer);
      // The answer's body is not kept; only free the connection.
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(options.body);
  });
}

const TLS_CODES = new Set([
  'EPROTO',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'HOSTNAME_MISMATCH',
]);

/** The coarse class of a failed attempt; never the error's text, which can map the gateway's network. */
export function deliveryErrorClass(error: unknown): DeliveryErrorClass {
  const code = String((error as { code?: unknown })?.code ?? '');
  if (error instanceof AddressNotAllowedError) return 'address_not_allowed';
  if (error instanceof DeliveryTimeoutError || code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') return 'timeout';
  if (code === 'ECONNREFUSED') return 'connection_refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA' || code === 'EAI_FAIL') return 'dns_error';
  if (TLS_CODES.has(code) || /^ERR_(TLS|SSL)_|^ERR_OSSL_|CERT/.test(code)) return 'tls_error';
  return 'connection_error';
}
