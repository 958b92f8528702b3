import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

// How the workflows call their activities; shared so that a payment and a refund retry alike.

/** The database and our own code: retried until they work. */
export const STORE_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', maximumInterval: '10s' },
};

/**
 * Our books from a local activity (a payment's transitions): retried until they work, as
 * STORE_OPTIONS; past a minute of retries in the worker, the SDK waits on a timer between tries.
 */
export const STORE_LOCAL_OPTIONS: LocalActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', maximumInterval: '10s' },
};

/**
 * While a merchant waits synchronously (creating a payment or a refund): local activities, run
 * in the workflow task itself (one round trip to the server instead of one per call, still
 * recorded in the history), with a bounded number of tries.
 */
export const WAITED_FOR_OPTIONS: LocalActivityOptions = {
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', maximumInterval: '5s', maximumAttempts: 4 },
};

/** Provider queries and closes in the background: retried with backoff for as long as it takes. */
export const PROVIDER_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '15s',
  retry: { initialInterval: '1s', maximumInterval: '1m' },
};

/**
 * The close at expiry in the workflow task its timer woke (a local activity): a few tries; a
 * provider still failing after them is closed in the background (PROVIDER_OPTIONS) instead of
 * holding the workflow task.
 */
export const CLOSE_LOCAL_OPTIONS: LocalActivityOptions = {
  startToCloseTimeout: '15s',
  scheduleToCloseTimeout: '45s',
  retry: { initialInterval: '1s', maximumInterval: '5s', maximumAttempts: 3 },
};
