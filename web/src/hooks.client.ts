import { baseLocale, overwriteGetLocale, toLocale } from '$lib/paraglide/runtime';

// The server rendered the page in the request's language and wrote it on <html lang>; the
// browser keeps to it (the language switch reloads the page, so it never changes in place).
overwriteGetLocale(() => toLocale(document.documentElement.lang) ?? baseLocale);
