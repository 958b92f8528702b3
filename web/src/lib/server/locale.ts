/**
 * Which language a request is answered in, decided per request and read by Paraglide's message
 * functions through getLocale(): first `?lang=` (the page's language switch, remembered in a
 * cookie), then that cookie, then the session's own locale (set by the merchant), then zh-CN.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Cookies } from '@sveltejs/kit';
import { baseLocale, overwriteGetLocale, toLocale, type Locale } from '$lib/paraglide/runtime';

export const LOCALE_COOKIE = 'tongbao_locale';
const ONE_YEAR_SECONDS = 365 * 24 * 3600;

/** The request's language; mutable, because the session's locale is known only in load. */
export interface RequestLocale {
  locale: Locale;
  /** The shopper chose it (switch or cookie): the session's locale must not override it. */
  chosen: boolean;
}

const current = new AsyncLocalStorage<RequestLocale>();
overwriteGetLocale(() => current.getStore()?.locale ?? baseLocale);

export function resolveRequestLocale(url: URL, cookies: Cookies): RequestLocale {
  const asked = toLocale(url.searchParams.get('lang') ?? '');
  if (asked) {
    cookies.set(LOCALE_COOKIE, asked, {
      path: '/',
      maxAge: ONE_YEAR_SECONDS,
      sameSite: 'lax',
      httpOnly: true,
      secure: url.protocol === 'https:',
    });
    return { locale: asked, chosen: true };
  }
  const remembered = toLocale(cookies.get(LOCALE_COOKIE) ?? '');
  return remembered ? { locale: remembered, chosen: true } : { locale: baseLocale, chosen: false };
}

export function withLocale<T>(locale: RequestLocale, fn: () => T): T {
  return current.run(locale, fn);
}

/** The merchant's locale for this session, unless the shopper picked one. */
export function adoptSessionLocale(locale: RequestLocale, sessionLocale: string): void {
  const known = toLocale(sessionLocale);
  if (!locale.chosen && known) locale.locale = known;
}
