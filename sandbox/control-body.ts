import type { z } from 'zod';
import { ControlBadRequestError } from './errors';

/** A control request's JSON body, parsed by `schema`; anything else is a 400 naming the field at fault. */
export function parseControlBody<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ControlBadRequestError('the body must be a JSON object (Content-Type: application/json)');
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const path = [...issue.path, ...keys.slice(0, 1)].map(String).join('.');
    throw new ControlBadRequestError(`${path || 'body'}: ${issue.message}`, path || null);
  }
  return result.data;
}
