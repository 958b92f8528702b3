// When a webhook delivery is attempted. Pure data, shared by the delivery workflow and its tests.

/** Gaps before the first attempts (the first one at once), Stripe-like: a brief outage costs little delay. */
const FIRST_GAPS_SECONDS = [0, 30, 2 * 60, 10 * 60, 30 * 60, 60 * 60, 2 * 60 * 60, 4 * 60 * 60];
/** Then one attempt every 8 hours… */
const LATER_GAP_SECONDS = 8 * 60 * 60;
/** …while 3 days (API.md) have not passed since the first attempt. */
export const DELIVERY_WINDOW_SECONDS = 3 * 24 * 60 * 60;

/**
 * Offsets from the first attempt, in seconds, of every automatic attempt:
 * 0, 30 s, 2.5 min, 12.5 min, 42.5 min, 1 h 42.5, 3 h 42.5, 7 h 42.5, then every 8 h up to 71 h 42.5.
 */
export function deliveryScheduleSeconds(): number[] {
  const offsets: number[] = [];
  let offset = 0;
  for (let attempt = 0; ; attempt++) {
    offset += attempt < FIRST_GAPS_SECONDS.length ? FIRST_GAPS_SECONDS[attempt] : LATER_GAP_SECONDS;
    if (offset > DELIVERY_WINDOW_SECONDS) return offsets;
    offsets.push(offset);
  }
}
