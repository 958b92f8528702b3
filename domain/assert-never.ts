/** Makes a `switch` exhaustive: the compiler rejects the call when a case is missing. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
