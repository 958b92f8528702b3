import type { Request } from 'express';
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
  if (issue.code === 'invalid_key') {
    // The key itself is the problem (it may hold the very character refused): name the map.
    const param = paramName(issue.path.slice(0, -1));
    const reason = issue.issues[0]?.message ?? issue.message;
    throw new InvalidRequestError('parameter_invalid', `Invalid key in ${param}: ${reason}`, param);
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

/**
 * Characters no text field accepts: C0 controls (NUL among them, which PostgreSQL's text refuses
 * and which would fail the store activity for good), DEL, C1 controls, and lone UTF-16
 * surrogates (not Unicode: PostgreSQL refuses them too once encoded). Free text (descriptions,
 * reasons, names) may keep tab and line breaks; single-line values (ids, codes, keys) may not.
 */
const FORBIDDEN_IN_FREE_TEXT =
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const FORBIDDEN_IN_LINE =
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  /[\u0000-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export type TextKind = 'line' | 'free_text';

/** Whether a value holds a character `kind` refuses (see FORBIDDEN_IN_FREE_TEXT). */
export function hasForbiddenCharacters(value: string, kind: TextKind = 'line'): boolean {
  return (kind === 'free_text' ? FORBIDDEN_IN_FREE_TEXT : FORBIDDEN_IN_LINE).test(value);
}

const CONTROL_CHARACTERS_MESSAGE = 'must not contain control characters or unpaired surrogates';

/**
 * The one string schema of every text field of every endpoint (bodies, queries, metadata keys and
 * values): a zod string refusing what `hasForbiddenCharacters` finds, to chain `.min()`/`.max()` on.
 * `free_text` keeps tab and line breaks.
 */
export function text(kind: TextKind = 'line') {
  return z.string().refine((value) => !hasForbiddenCharacters(value, kind), { message: CONTROL_CHARACTERS_MESSAGE });
}

/** `text()` for strings of another format (URLs, e-mail addresses), whose own checks let controls through. */
export function withoutControlCharacters<S extends z.ZodType<string>>(schema: S): S {
  return schema.refine((value) => !hasForbiddenCharacters(value), { message: CONTROL_CHARACTERS_MESSAGE }) as S;
}

/** A request header's value, refused as a field would be: `param` is the header's name. */
export function headerText(value: string | undefined, name: string): string | undefined {
  if (value !== undefined && hasForbiddenCharacters(value))
    throw new InvalidRequestError('parameter_invalid', `Invalid ${name}: ${CONTROL_CHARACTERS_MESSAGE}`, name);
  return value;
}

/** A string → string map of at most 20 keys, as API.md allows for `metadata`. */
export const metadataSchema = z
  .record(text().max(40), text('free_text').max(500))
  .refine((value) => Object.keys(value).length <= 20, { message: 'at most 20 keys' });

export const listQuerySchema = {
  limit: z.coerce.number().int().min(1).max(100).default(10),
  starting_after: text().max(64).optional(),
};

/** The query of a list that has no filter of its own. */
export const plainListQuerySchema = z.strictObject(listQuerySchema);

/** The body of an action that takes no parameter (`{}` or none): anything sent is refused by name. */
export const emptyBodySchema = z.strictObject({});

/**
 * The `:id` of a route naming an object of `prefix` (`mer`, `key`…): a 400 naming it unless it has
 * an id's shape, so that what reaches the database is never a NUL or a megabyte of text.
 */
export function pathId(req: Request, prefix: string, objectName: string): string {
  const id = String(req.params.id);
  if (!new RegExp(`^${prefix}_[0-9A-Za-z]{1,64}$`).test(id))
    throw new InvalidRequestError('parameter_invalid', `Invalid ${objectName} id: '${id}'`, 'id');
  return id;
}

/** A `customer` a payment or a checkout session names: a 400 naming the field unless it has a `cus_…` id's shape. */
export const customerIdSchema = text().regex(/^cus_[0-9A-Za-z]{1,64}$/, 'must be a customer id (cus_…)');
