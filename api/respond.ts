import type { Request, Response } from 'express';
import type { AppError } from './errors';
import { contextOf } from './request-context';

/**
 * Sends a JSON answer. Under an Idempotency-Key the exact text settles the key first, so that a
 * retry replays it byte for byte; `error` is the error the answer reports.
 */
export async function sendJson(
  req: Request,
  res: Response,
  status: number,
  body: unknown,
  options: { error?: AppError } = {},
): Promise<void> {
  const text = JSON.stringify(body);
  const context = contextOf(req);
  await context.audit?.(status, body);
  await context.idempotency?.settle(status, text, options.error ?? null);
  res.status(status).type('application/json').send(text);
}
