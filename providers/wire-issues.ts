import type { z } from 'zod';

/**
 * One line naming what is wrong with a provider's message, for errors and refusals: the first
 * issue's path (or `whole` when the message itself is wrong) and zod's description.
 */
export function describeFirstIssue(error: z.ZodError, whole = ''): string {
  const issue = error.issues[0];
  return `${issue.path.join('.') || whole}: ${issue.message}`;
}

/** `text`, cut to `max` characters and marked so, for messages that quote what a provider sent. */
export function truncated(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
