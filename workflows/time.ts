// Time in the workflows: every duration is divided by the workflow's `timeScale` input (1 in
// production, 60 in the stack's tests, 1000 in the workflow tests), and read from workflow time.

/** `seconds` of real life as milliseconds of a workflow running at `timeScale`. */
export function scaledMs(seconds: number, timeScale: number): number {
  return Math.round((seconds * 1000) / timeScale);
}

/** A workflow's timers at its time scale. Every length is at least 1 ms: a timer of 0 would not wait. */
export interface ScaledClock {
  /** `seconds` of real life, as the length of a timer. */
  ms(seconds: number): number;
  /** The workflow time `seconds` of real life from now. */
  after(seconds: number): number;
  /** The length of a timer that ends at `at` (workflow time). */
  until(at: number): number;
  /** Whether workflow time has reached `at`. */
  reached(at: number): boolean;
}

export function scaledClock(timeScale: number): ScaledClock {
  const ms = (seconds: number): number => Math.max(1, scaledMs(seconds, timeScale));
  return {
    ms,
    after: (seconds) => Date.now() + ms(seconds),
    until: (at) => Math.max(1, at - Date.now()),
    reached: (at) => Date.now() >= at,
  };
}
