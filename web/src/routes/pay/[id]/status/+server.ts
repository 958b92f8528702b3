import { error, json } from '@sveltejs/kit';
import { SESSION_ID, type StatusReport } from '$lib/checkout';
import { ApiUnavailableError, getSession } from '$lib/server/api';
import type { RequestHandler } from './$types';

/** What the page polls while the shopper pays elsewhere: the session's and its payment's status, nothing more. */
export const GET: RequestHandler = async ({ params }) => {
  if (!SESSION_ID.test(params.id)) error(404, 'No such checkout session');
  let session;
  try {
    session = await getSession(params.id);
  } catch (cause) {
    if (cause instanceof ApiUnavailableError) error(503, 'The API is unavailable');
    throw cause;
  }
  if (!session) error(404, 'No such checkout session');
  const report: StatusReport = {
    session: session.status,
    payment: session.payment ? { id: session.payment.id, status: session.payment.status } : null,
  };
  return json(report, { headers: { 'cache-control': 'no-store' } });
};
