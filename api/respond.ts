import type { Request, Response } from 'express';
import { contextOf } from './request-context';
import { finishIdempotentRequest } from './idempotency';

/**
 * Sends a JSON answer. Under an Idempotency-Key the exact text is stored first, so that a retry
 * replays it byte for byte.
 */
export async function sendJson(
  req: Request,
  res: Response,
  status: number,
  body: unknown,
  options: { storeForReplay?: boolean } = {},
): Promise<void> {
  const text = JSON.stringify(body);
  const idempotency = contextOf(req).idempotency;
  if (idempotency) await finishIdempotentRequest(req, idempotency, status, text, options.storeForReplay ?? true);
  res.status(status).type('application/json').send(text);
}
