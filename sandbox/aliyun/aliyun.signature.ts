import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

// Aliyun's V3 request signature (ACS3-HMAC-SHA256), the default of the official SDKs
// (@alicloud/openapi-core and the older @alicloud/openapi-client): the canonical request is
//
//   METHOD \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n hex(sha256(body))
//
// where the query is sorted by name and each value percent-encoded (encodeURIComponent, plus
// ! ' ( ) * escaped), the headers are `host`, `content-type` and every `x-acs-*` header, lower-cased,
// sorted, `name:value\n` each; the string to sign is `ACS3-HMAC-SHA256\n` + hex(sha256(canonical
// request)), and `Authorization: ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=a;b,Signature=<hex hmac>`.

export const ACS3_HMAC_SHA256 = 'ACS3-HMAC-SHA256';

export interface ParsedAuthorization {
  algorithm: string;
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

/** The Authorization header's parts, or null when it is not a V3 signature. */
export function parseAuthorization(header: string | undefined): ParsedAuthorization | null {
  if (!header) return null;
  const match = /^(ACS3-[A-Z0-9-]+)\s+(.*)$/.exec(header.trim());
  if (!match) return null;
  const fields = new Map<string, string>();
  for (const part of match[2].split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKeyId = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKeyId || signedHeaders === undefined || !signature) return null;
  return {
    algorithm: match[1],
    accessKeyId,
    signedHeaders: signedHeaders.split(';').filter((name) => name !== ''),
    signature,
  };
}

/** The SDK's percent-encoding of query values. */
export function acsEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The query as the signer saw it: name → value, from the raw query string. */
export function parseQuery(rawQuery: string): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQuery)) query[name] = value;
  return query;
}

export function canonicalRequest(input: {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  signedHeaders: readonly string[];
  payloadHash: string;
}): string {
  const canonicalUri = (input.path || '/').replace(/\+/g, '%20').replace(/\*/g, '%2A').replace(/%7E/g, '~');
  const canonicalQuery = Object.keys(input.query)
    .sort()
    .map((name) => `${name}=${acsEncode(input.query[name])}`)
    .join('&');
  const names = [...input.signedHeaders].map((name) => name.toLowerCase()).sort();
  const canonicalHeaders = names
    .map((name) => {
      const value = input.headers[name];
      const values = (Array.isArray(value) ? value : [value ?? '']).map((v) => v.trim()).sort();
      return `${name}:${values.join(',')}\n`;
    })
    .join('');
  return [
    input.method.toUpperCase(),
    canonicalUri,
    canonicalQuery,
    canonicalHeaders,
    names.join(';'),
    input.payloadHash,
  ].join('\n');
}

export function acs3Signature(secret: string, canonical: string): string {
  const stringToSign = `${ACS3_HMAC_SHA256}\n${sha256Hex(canonical)}`;
  return createHmac('sha256', secret).update(stringToSign).digest('hex');
}

export function signaturesEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given.toLowerCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
