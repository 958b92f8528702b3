/**
 * Runs at most `max` of the functions given to it at once; the others wait their turn, in order.
 * For work whose cost is another process's CPU, where more at once only makes each one slower.
 */
export function concurrencyLimit(max: number): <T>(work: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (running >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await work();
    } finally {
      // The turn passes straight to the next in line, so `running` counts it already.
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
