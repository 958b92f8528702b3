/**
 * The consoles' way to the API: a client typed from the API's OpenAPI document (openapi-fetch over
 * the types `npm run openapi` generates), which forwards the person's Kratos session, the merchant
 * and mode the console shows, and the browser's address (for the audit log).
 */
import { env } from '$env/dynamic/private';
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from '$api-types';

export type ConsoleApi = Client<paths>;
export type { paths };

export interface ConsoleContext {
  /** The `ory_kratos_session` cookie's value. */
  session: string;
  merchant: string | null;
  mode: 'test' | 'live';
  clientIp: string | null;
}

const TIMEOUT_MS = 15_000;

export function apiUrl(): string {
  const url = env.TONGBAO_API_URL;
  if (!url) throw new Error('TONGBAO_API_URL is not set: the console does not know where the API is.');
  return url.replace(/\/$/, '');
}

export function consoleApi(context: ConsoleContext): ConsoleApi {
  const headers: Record<string, string> = { 'tongbao-session': context.session, 'tongbao-mode': context.mode };
  if (context.merchant) headers['tongbao-merchant'] = context.merchant;
  if (context.clientIp) headers['tongbao-client-ip'] = context.clientIp;
  return createClient<paths>({
    baseUrl: apiUrl(),
    headers,
    fetch: (request: Request) => fetch(request, { signal: AbortSignal.timeout(TIMEOUT_MS) }),
  });
}

/** An error answer's body, as API.md shapes it. */
export interface ApiErrorBody {
  error: { type: string; code: string; message: string; param: string | null; request_id: string };
}

export function errorOf(body: unknown): ApiErrorBody['error'] | null {
  return (body as ApiErrorBody | null)?.error ?? null;
}
