import type { z } from 'zod';
import { ControlBadRequestError } from './errors';

/** The provider's own options of `POST /_control/accounts`; a bad or unknown one is a 400 naming it. */
export function parseAccountOptions<S extends z.ZodType>(schema: S, options: Record<string, unknown>): z.infer<S> {
  const parsed = schema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue.code === 'unrecognized_keys' ? issue.keys[0] : issue.path.map(String).join('.');
    throw new ControlBadRequestError(`${param}: ${issue.message}`, param || null);
  }
  return parsed.data;
}
