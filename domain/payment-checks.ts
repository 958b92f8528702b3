// How an open payment's trade is checked at the provider when its notification is late or lost
// (issue 11, goal 8). Not a timer chain per payment: one sweep (workflows/payment-checks.workflow.ts)
// claims from PostgreSQL the open payments whose check is due, asks their providers, and signals a
// payment's workflow only when the provider has news. An abandoned payment then costs its workflow
// nothing until it expires; its queries cost no history at all.

/** The sweep's workflow id: one per namespace, whichever worker starts it first. */
export const PAYMENT_CHECKS_WORKFLOW_ID = 'payment-checks';

/** How often the sweep looks for due checks (seconds of real life, divided by the time scale). */
export const CHECK_SWEEP_EVERY_SECONDS = 30;

/** The first check, this long after the payment was created: providers notify within seconds. */
export const FIRST_CHECK_AFTER_SECONDS = 60;

/**
 * After a check, the next one is as far off as the payment is old, between these bounds: checks at
 * about 1, 3, 6, 11, 16… minutes, as the workflows' own polls were (1, 3, 7, 12, 17…). A lost
 * notification is found at most MAX_CHECK_GAP_SECONDS + CHECK_SWEEP_EVERY_SECONDS after the shopper paid.
 */
export const MIN_CHECK_GAP_SECONDS = 120;
export const MAX_CHECK_GAP_SECONDS = 300;

/**
 * The signal the sweep sends a payment's workflow with the provider's news (a ProviderTrade): the
 * workflow applies it as it applies a notification, recorded as found by a `poll`.
 */
export const PROVIDER_QUERIED_SIGNAL = 'providerQueried';
