import { z } from 'zod';
import { InvalidRequestError } from './errors';
import { instant } from './payment-filters';
import { text } from './validation';

// The filters every cross-merchant admin list adds to the merchant console's: whose, which mode, when.

export const merchantIdSchema = text().regex(/^mer_[0-9A-Za-z]{1,64}$/, 'must be a merchant id (mer_…)');

/** `true` or `false` in a query string. */
export const booleanQuery = z.enum(['true', 'false']).transform((value) => value === 'true');

export const adminScopeShape = {
  merchant: merchantIdSchema.optional(),
  livemode: booleanQuery.optional(),
};

/** An inclusive time range: `<name>[gte]` and `<name>[lte]`, ISO 8601 or unix seconds. */
export function rangeShape<N extends string>(name: N) {
  return {
    [`${name}[gte]`]: instant.optional(),
    [`${name}[lte]`]: instant.optional(),
  } as Record<`${N}[gte]` | `${N}[lte]`, z.ZodOptional<typeof instant>>;
}

/** Refuses an empty range by naming its upper bound (a 400, as the schemas' own refusals are). */
export function assertRange(query: Record<string, unknown>, name: string): void {
  const gte = query[`${name}[gte]`];
  const lte = query[`${name}[lte]`];
  if (typeof gte === 'string' && typeof lte === 'string' && gte > lte)
    throw new InvalidRequestError(
      'parameter_invalid',
      `Invalid ${name}[lte]: must not be before ${name}[gte]`,
      `${name}[lte]`,
    );
}

/** A bigserial row id as the API shows it (a string of digits), from a path. */
export function numericPathId(value: unknown, objectName: string): string {
  const id = String(value);
  if (!/^\d{1,18}$/.test(id))
    throw new InvalidRequestError('parameter_invalid', `Invalid ${objectName} id: '${id}'`, 'id');
  return id;
}
