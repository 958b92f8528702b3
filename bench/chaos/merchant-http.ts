// The merchant's side of a chaos run: requests retried with the same Idempotency-Key while the stack is down.
import { setTimeout as delay } from 'node:timers/promises';
import type { Answer } from './model';

/** How long one request is retried while the stack is down (the worker restarting, Temporal too). */
export const REQUEST_PATIENCE_MS = 180_000;

/** Counters of what the merchant side saw, for the table; `stalled` ends the run (one run per process). */
export const seen = { retriedAnswers: 0, brokenConnections: 0, stalled: null as string | null };
/** A child the runner killed must be back by then (the stack's backoff is 30 s at most), or the run stops. */
export const RESTART_PATIENCE_MS = 90_000;

export async function call<T = Record<string, unknown>>(
  method: string,
  url: string,
  { token, body, key }: { token?: string; body?: unknown; key?: string } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (key) headers['idempotency-key'] = key;
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed as T };
}

/**
 * A request retried, with the same Idempotency-Key, while it gets no answer, a 5xx, a 429 or a 409
 * (the first request with that key still running) — until `accept` likes the answer.
 */
export async function patiently<T = Record<string, unknown>>(
  what: string,
  send: () => Promise<Answer<T>>,
  accept: (answer: Answer<T>) => boolean = (answer) => answer.status < 300,
  patienceMs = REQUEST_PATIENCE_MS,
): Promise<Answer<T>> {
  const deadline = Date.now() + patienceMs;
  let wait = 250;
  for (;;) {
    if (seen.stalled) throw new Error(`${what}: abandoned: ${seen.stalled}`);
    let last: string;
    try {
      const answer = await send();
      if (accept(answer)) return answer;
      const refused = answer.status >= 500 || answer.status === 429 || answer.status === 409;
      // A 2xx that `accept` does not like yet (a status still moving) is asked again.
      if (!refused && answer.status >= 300) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
      if (refused) seen.retriedAnswers++;
      last = `${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`;
    } catch (error) {
      if (!(error instanceof TypeError) && !(error instanceof DOMException)) throw error;
      seen.brokenConnections++;
      last = String(error);
    }
    if (Date.now() > deadline) throw new Error(`${what}: still failing after ${patienceMs / 1000} s: ${last}`);
    await delay(wait);
    wait = Math.min(wait * 2, 5_000);
  }
}
