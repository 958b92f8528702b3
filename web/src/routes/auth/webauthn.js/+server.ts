import { env } from '$env/dynamic/private';
import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';

/**
 * Kratos' webauthn.js (the browser's side of security keys), served from this origin: the pages'
 * CSP allows scripts from here only, and the browser never needs to reach Kratos.
 */
export const GET: RequestHandler = async () => {
  if (!env.KRATOS_PUBLIC_URL) error(404, 'Not found');
  const response = await fetch(`${env.KRATOS_PUBLIC_URL.replace(/\/$/, '')}/.well-known/ory/webauthn.js`, {
    signal: AbortSignal.timeout(5_000),
  });
  if (!response.ok) error(502, 'Kratos did not serve webauthn.js');
  return new Response(await response.text(), {
    headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=3600' },
  });
};
