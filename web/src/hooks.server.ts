import type { Handle, HandleServerError } from '@sveltejs/kit';
import { adoptSessionLocale, resolveRequestLocale, withLocale } from '$lib/server/locale';
import { adminLocals } from '$lib/server/admin-session';
import { consoleLocals } from '$lib/server/console-session';

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];
const UNSAFE_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'];
/** `/pay/<cs_id>` itself, without a form action (`?/pay`). */
const CHECKOUT_PAGE = /^\/pay\/cs_[0-9A-Za-z]{1,64}\/?$/;

/**
 * This app's origin; on loopback also its other name: the console opened on localhost (for
 * security keys, whose relying party must be a domain) posts from there while ORIGIN says 127.0.0.1.
 */
function isOwnOrigin(origin: string | null, url: URL): boolean {
  if (origin === url.origin) return true;
  return url.hostname === '127.0.0.1' && origin === `${url.protocol}//localhost${url.port ? `:${url.port}` : ''}`;
}

function isFormSubmission(request: Request): boolean {
  const type = request.headers.get('content-type')?.split(';', 1)[0].trim().toLowerCase() ?? '';
  return UNSAFE_METHODS.includes(request.method) && FORM_TYPES.includes(type);
}

export const handle: Handle = async ({ event, resolve }) => {
  const { request, url } = event;

  if (request.method === 'POST' && CHECKOUT_PAGE.test(url.pathname) && !url.search.startsWith('?/')) {
    // The shopper's return from UnionPay: its page posts the signed front notification to the
    // payment's return URL, this page. What it says is not trusted (the API hears from UnionPay
    // directly); the shopper is only sent on to the page, which shows the payment's state.
    return new Response(null, { status: 303, headers: { location: url.pathname, 'cache-control': 'no-store' } });
  }
  // SvelteKit's own origin check is off (svelte.config.js) so that the POST above can arrive;
  // every other cross-site form submission is refused here, as SvelteKit would.
  if (isFormSubmission(request) && !isOwnOrigin(request.headers.get('origin'), url)) {
    return new Response(`Cross-site ${request.method} form submissions are forbidden`, {
      status: 403,
      headers: { 'content-type': 'text/plain' },
    });
  }

  const locale = resolveRequestLocale(url, event.cookies);
  event.locals.locale = locale;
  if (url.pathname === '/dashboard' || url.pathname.startsWith('/dashboard/')) {
    event.locals.console = await consoleLocals(event);
    // The person's own language (their Kratos locale trait) unless this browser chose one.
    adoptSessionLocale(locale, event.locals.console.session.identity.locale);
  }
  if (url.pathname === '/admin' || url.pathname.startsWith('/admin/')) {
    event.locals.admin = await adminLocals(event);
    adoptSessionLocale(locale, event.locals.admin.session.identity.locale);
  }
  const response = await withLocale(locale, () =>
    resolve(event, {
      // Read after rendering: load may have adopted the session's locale meanwhile.
      transformPageChunk: ({ html }) => html.replace('%tongbao.lang%', locale.locale),
    }),
  );
  response.headers.set('x-content-type-options', 'nosniff');
  // The cs_ id in the path is a capability: other sites get the origin at most.
  response.headers.set('referrer-policy', 'strict-origin-when-cross-origin');
  // A checkout session's page and every signed-in page are never cached.
  if (['/pay/', '/dashboard', '/admin', '/auth/'].some((prefix) => url.pathname.startsWith(prefix)))
    response.headers.set('cache-control', 'no-store');
  return response;
};

export const handleError: HandleServerError = ({ error, status, message }) => {
  if (status !== 404) console.error(error);
  return { message };
};
