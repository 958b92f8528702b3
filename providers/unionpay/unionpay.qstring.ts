// UnionPay answers server-to-server calls with a raw `k=v&k=v` body: values are not URL-encoded,
// and may hold `&` and `=` inside `{…}` or `[…]` (reserved fields such as `reqReserved` or
// `riskRateInfo` carry nested `k=v&…` text). URLSearchParams would split those apart and decode
// `+` in the base64 signature as a space. This is a port of the reader in UnionPay's own SDK,
// quirks included, so that we read an answer exactly as UnionPay's merchants do:
// acpsdk SDKUtil.convertResultStringToMap / parseQString (ACP 5.1.0 Java SDK).

/** Raised when a UnionPay answer is not `k=v&…` text UnionPay's SDK could read (an empty key). */
export class UnionpayQStringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnionpayQStringError';
  }
}

/**
 * SDKUtil.convertResultStringToMap: null for a blank answer; one pair of braces around the
 * whole answer is dropped; the rest goes to parseQString.
 */
export function convertResultStringToMap(result: string | null | undefined): Record<string, string> | null {
  if (result === null || result === undefined || result.trim() === '') return null;
  const text = result.startsWith('{') && result.endsWith('}') ? result.slice(1, -1) : result;
  return parseQString(text);
}

/**
 * SDKUtil.parseQString. A key runs to the first `=`; a value runs to the next `&` that is not
 * inside braces or brackets. Like the SDK, nesting is not counted (the first closing `}` ends a
 * `{`), a later duplicate key wins, a key without `=` gets an empty value, and an empty key
 * (`=v`, `a=1&`) makes the whole answer unreadable.
 */
export function parseQString(text: string): Record<string, string> {
  // No prototype: a key such as `__proto__` is just a key.
  const map: Record<string, string> = Object.create(null) as Record<string, string>;
  if (text.length === 0) return map;
  let temp = '';
  let key = '';
  let isKey = true;
  let isOpen = false;
  let closer = '';
  const put = () => {
    if (isKey) {
      if (temp.length === 0) throw new UnionpayQStringError('an empty key in the answer');
      map[temp] = '';
    } else {
      if (key.length === 0) throw new UnionpayQStringError('an empty key in the answer');
      map[key] = temp;
    }
  };
  for (const char of text) {
    if (isKey) {
      if (char === '=') {
        key = temp;
        temp = '';
        isKey = false;
      } else {
        temp += char;
      }
      continue;
    }
    if (isOpen) {
      if (char === closer) isOpen = false;
    } else if (char === '{') {
      isOpen = true;
      closer = '}';
    } else if (char === '[') {
      isOpen = true;
      closer = ']';
    }
    if (char === '&' && !isOpen) {
      put();
      temp = '';
      isKey = true;
    } else {
      temp += char;
    }
  }
  put();
  return map;
}
