import { z } from 'zod';
import { InvalidRequestError } from './errors';

/**
 * Parses with a zod schema, turning the first issue into a 400 naming the field the way API.md
 * wants it (`metadata[order]`, `line_items[0][quantity]`).
 */
export function parse<S extends z.ZodType>(schema: S, input: unknown, where: 'body' | 'query' = 'body'): z.infer<S> {
  if (
    where === 'body' &&
    (input === undefined || input === null || typeof input !== 'object' || Array.isArray(input))
  ) {
    throw new InvalidRequestError('invalid_body', 'The request body must be a JSON object.');
  }
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    const param = paramName([...issue.path, key]);
    throw new InvalidRequestError('parameter_unknown', `Received unknown parameter: ${param}`, param);
  }
  const param = paramName(issue.path);
  const missing = issue.code === 'invalid_type' && issue.input === undefined;
  throw new InvalidRequestError(
    missing ? 'parameter_missing' : 'parameter_invalid',
    missing ? `Missing required param: ${param}.` : `Invalid ${param}: ${issue.message}`,
    param,
  );
}

function paramName(path: readonly PropertyKey[]): string {
  const [first, ...rest] = path.map(String);
  return (first ?? '') + rest.map((part) => `[${part}]`).join('');
}

/** A string → string map of at most 20 keys, as API.md allows for `metadata`. */
export const metadataSchema = z
  .record(z.string().max(40), z.string().max(500))
  .refine((value) => Object.keys(value).length <= 20, { message: 'at most 20 keys' });

export const listQuerySchema = {
  limit: z.coerce.number().int().min(1).max(100).default(10),
  starting_after: z.string().max(64).optional(),
};
