import type { RequestHandler } from './$types';

/** For the stack runner and load balancers: the server is up (it does not ask the API). */
export const GET: RequestHandler = () =>
  new Response('ok', { headers: { 'content-type': 'text/plain', 'cache-control': 'no-store' } });
