// When a refund workflow asks the provider, and the patches that changed it (workflows that ran
// before a patch replay as they ran).

/** While the provider cannot take the refund, it is asked again at most this often, until the deadline. */
export const REQUEST_RETRY_SECONDS = 60;
/**
 * The request is retried by Temporal, as one activity however long it takes, instead of by the
 * workflow, which added a timer and an activity to the history every REQUEST_RETRY_SECONDS for a day.
 * Workflows that ran before replay as they ran.
 */
export const REQUEST_RETRY_POLICY_PATCH = 'refund-request-retry-policy';
/**
 * At the deadline the provider is asked once more before the refund requires attention: polls
 * that fell due while no worker ran (a crash, a restart) were not made, and the provider may have
 * settled the refund meanwhile. Found by `npm run chaos`.
 */
export const ASK_BEFORE_ATTENTION_PATCH = 'ask-provider-before-attention';

/** Refund queries while the provider works on it; refunds to a wallet settle in minutes, to a card in days. */
export const POLL_DELAYS_SECONDS = [30, 60, 120, 300, 600];
/**
 * Once an admin has been asked to look, the provider is still asked now and then, in case it settles:
 * hourly at first, then every 6 hours. Its notification (WeChat Pay, UnionPay) or the admin's retry
 * is what usually ends the wait; the queries are the fallback (Alipay's only way to tell), so a refund
 * settled late is still seen the same day, with 4 queries a day instead of 24.
 */
export const ATTENTION_POLL_DELAYS_SECONDS = [3600, 2 * 3600, 4 * 3600, 6 * 3600];
/**
 * Workflows that ran before the backoff replay as they ran, hourly: the loop compares workflow time
 * with the next poll's time, so a different delay would change what a replayed timer leads to.
 */
export const ATTENTION_POLL_BACKOFF_PATCH = 'refund-attention-poll-backoff';
/** Before an admin's cancel releases a refund the provider does not know, it asks again this much later. */
export const CANCEL_RECHECK_SECONDS = 30;
