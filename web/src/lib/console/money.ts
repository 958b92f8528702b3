/**
 * Yuan as people type them ("19.9", "20", "0.05") → fen, the API's minor units; exact to the fen
 * (read from the digits, not through a float's multiplication). null for anything else.
 */
export function yuanToFen(value: FormDataEntryValue | string | null | undefined): number | null {
  if (typeof value !== 'string') return null;
  const match = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(value.trim());
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

/** Fen → "19.90", for a form field's value. */
export function fenToYuan(fen: number): string {
  return (fen / 100).toFixed(2);
}
