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
  return index >= 0 && parts[index] ? decodeURIComponent(parts[index]) : null;
}
