import { InvalidRequestError } from './errors';

/** `/payments/:id/cancel` → a RegExp matching `/payments/pay_x/cancel` (the access tables of api/roles.ts and api/staff-roles.ts). */
export function routePattern(path: string): RegExp {
  const source = path
    .split('/')
    .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}/?$`);
}

/** The `:id` of a request's path under its rule's path (the first parameter), or null. */
export function objectIdOf(rule: { path: string }, path: string): string | null {
  const names = rule.path.split('/');
  const parts = path.split('/');
  const index = names.findIndex((part) => part.startsWith(':'));
  if (index < 0 || !parts[index]) return null;
  try {
    return decodeURIComponent(parts[index]);
  } catch {
    // The access layers run before the router, which would have answered the same 400.
    throw new InvalidRequestError(
      'request_unreadable',
      'The request could not be read: a path parameter is not valid percent-encoded UTF-8.',
    );
  }
}
