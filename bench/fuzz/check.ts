/**
 * What every answer must be: below 500 (but for the API shedding load: 503 `api_overloaded` with
 * Retry-After, which says nothing was done), and, outside the provider notification routes (which
 * answer in each provider's own format), an error in API.md's format with the Request-Id it names.
 */
import type { RawResponse } from './raw-http';
import type { Draft } from './seeds';
import { ERROR_TYPES } from '../../api/errors';

/** Why the answer breaks the contract, or null when it keeps it. */
export function problemOf(draft: Pick<Draft, 'family' | 'method' | 'route'>, response: RawResponse): string | null {
  if (response.status >= 500 && !shedsLoad(response)) return `answered ${response.status}`;
  if (draft.family === 'notify') return null;
  const requestId = response.headers['request-id'];
  if (!requestId) return 'no Request-Id header';
  // Prometheus' text format; a HEAD answer has no body; Express answers OPTIONS itself, with Allow.
  const method = draft.method.toUpperCase();
  if (draft.route === 'GET /metrics' || method === 'HEAD' || (method === 'OPTIONS' && response.status < 400))
    return null;
  const what = response.status < 400 ? 'an answer' : 'an error';
  if (!/^application\/json\b/i.test(response.headers['content-type'] ?? ''))
    return `${what} with Content-Type ${JSON.stringify(response.headers['content-type'] ?? null)}, not JSON`;
  let body: unknown;
  try {
    body = JSON.parse(response.body.toString('utf8'));
  } catch {
    return `${what} whose body is not JSON`;
  }
  if (response.status < 400) return null;
  const error = (body as { error?: Record<string, unknown> } | null)?.error;
  if (!error || typeof error !== 'object') return 'an error body without an "error" object';
  if (!(ERROR_TYPES as readonly string[]).includes(error.type as string))
    return `error.type ${JSON.stringify(error.type)} is not API.md's`;
  for (const field of ['code', 'message'] as const)
    if (typeof error[field] !== 'string' || error[field] === '') return `error.${field} missing or empty`;
  if (!('param' in error) || (error.param !== null && typeof error.param !== 'string'))
    return 'error.param must be a string or null';
  // A key named "" is named by param "": a string is what matters.
  if (/^parameter_/.test(error.code as string) && typeof error.param !== 'string')
    return `error.code ${error.code as string} names no param`;
  // A replay under an Idempotency-Key is the first answer byte for byte: its request_id is the first request's.
  const replayed = response.headers['idempotent-replayed'] === 'true';
  if (typeof error.request_id !== 'string' || !error.request_id.startsWith('req_'))
    return 'error.request_id is not a request id';
  if (!replayed && error.request_id !== requestId) return 'error.request_id differs from the Request-Id header';
  if (response.status === 429 && !response.headers['retry-after']) return '429 without Retry-After';
  return null;
}

/** A refusal by admission control (api/admission.ts): the machine is at capacity, not broken. */
function shedsLoad(response: RawResponse): boolean {
  if (response.status !== 503 || !response.headers['retry-after']) return false;
  try {
    const body = JSON.parse(response.body.toString('utf8')) as { error?: { code?: unknown } };
    return body.error?.code === 'api_overloaded';
  } catch {
    return false;
  }
}
