import { z } from 'zod';
import { InvalidRequestError } from './errors';
import { hasForbiddenCharacters, metadataSchema, parse, text } from './validation';

const schema = z.strictObject({
  amount: z.number().int().positive(),
  metadata: metadataSchema.optional(),
  name: text().max(20).optional(),
  note: text('free_text').optional(),
  items: z.array(z.strictObject({ quantity: z.number().int() })).optional(),
});

function errorOf(input: unknown): InvalidRequestError {
  try {
    parse(schema, input);
  } catch (error) {
    if (error instanceof InvalidRequestError) return error;
    throw error;
  }
  throw new Error('expected a validation error');
}

describe('request validation names the failing field', () => {
  test('a missing field', () => {
    const error = errorOf({});
    expect(error).toMatchObject({ status: 400, code: 'parameter_missing', param: 'amount' });
  });

  test('a negative amount', () => {
    expect(errorOf({ amount: -5 })).toMatchObject({ code: 'parameter_invalid', param: 'amount' });
  });

  test('an amount of the wrong type', () => {
    expect(errorOf({ amount: '100' })).toMatchObject({ code: 'parameter_invalid', param: 'amount' });
  });

  test('an unknown field', () => {
    expect(errorOf({ amount: 1, colour: 'red' })).toMatchObject({ code: 'parameter_unknown', param: 'colour' });
  });

  test('a nested field uses bracket notation', () => {
    expect(errorOf({ amount: 1, items: [{ quantity: 1 }, { quantity: 'x' }] })).toMatchObject({
      param: 'items[1][quantity]',
    });
    expect(errorOf({ amount: 1, metadata: { order: 42 } })).toMatchObject({ param: 'metadata[order]' });
  });

  test('more than 20 metadata keys', () => {
    const metadata = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']));
    expect(errorOf({ amount: 1, metadata })).toMatchObject({ param: 'metadata' });
  });

  test('a body that is not an object', () => {
    expect(errorOf([1, 2])).toMatchObject({ code: 'invalid_body' });
    expect(errorOf(null)).toMatchObject({ code: 'invalid_body' });
  });

  test('valid input passes through typed', () => {
    expect(parse(schema, { amount: 5 })).toEqual({ amount: 5 });
  });
});

describe('control characters are refused in text fields', () => {
  test.each([
    ['NUL', 'a\u0000b'],
    ['another C0 control', 'a\u001bb'],
    ['DEL', 'a\u007fb'],
    ['a C1 control', 'a\u0085b'],
    ['a lone high surrogate', 'a\ud83db'],
    ['a lone low surrogate', 'a\ude00b'],
  ])('%s → 400 naming the field, the metadata value or the metadata map', (_, value) => {
    expect(errorOf({ amount: 1, name: value })).toMatchObject({ code: 'parameter_invalid', param: 'name' });
    expect(errorOf({ amount: 1, note: value })).toMatchObject({ code: 'parameter_invalid', param: 'note' });
    expect(errorOf({ amount: 1, metadata: { order: value } })).toMatchObject({ param: 'metadata[order]' });
    expect(errorOf({ amount: 1, metadata: { [value]: 'x' } })).toMatchObject({ param: 'metadata' });
  });

  test('tab and line breaks are free text, not single-line values', () => {
    expect(parse(schema, { amount: 1, note: 'one\n\ttwo\r\n' })).toMatchObject({ note: 'one\n\ttwo\r\n' });
    expect(errorOf({ amount: 1, name: 'one\ntwo' })).toMatchObject({ param: 'name' });
  });

  test('paired surrogates (emoji) and Chinese pass', () => {
    expect(parse(schema, { amount: 1, name: '绿茶 🍵', metadata: { 订单: '🍵' } })).toMatchObject({ name: '绿茶 🍵' });
    expect(hasForbiddenCharacters('🍵')).toBe(false);
  });
});
