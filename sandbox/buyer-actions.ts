import type { Request, Response } from 'express';
import { ControlError } from './errors';

// What every simulator's buyer pages do alike when a button is pressed (`POST …/<token>/<action>`):
// the action must be one the page offers, the token must name a trade, and a trade that can no
// longer be paid is said on the provider's error page, with the control API's status.

/** A provider's error page for the buyer, saying `message`. */
export type BuyerErrorPage = (message: string) => string;

/** Answers the buyer's browser with one of the provider's pages. */
export function sendPage(res: Response, html: string, status = 200): void {
  res.status(status).type('html').send(html);
}

/**
 * The action a button asked for, if the page offers it, and the trade its token names (found by
 * `tradeOf`); else the provider's error page has answered (404) and this answers null.
 */
export async function buyerActionOf<A extends string, T>(
  req: Request<{ token: string; action: string }>,
  res: Response,
  offered: readonly A[],
  tradeOf: (token: string) => Promise<T | null>,
  errorPage: BuyerErrorPage,
): Promise<{ action: A; trade: T } | null> {
  const action = offered.find((candidate) => candidate === req.params.action);
  if (!action) {
    sendPage(res, errorPage('Unknown action.'), 404);
    return null;
  }
  const trade = await tradeOf(req.params.token);
  if (!trade) {
    sendPage(res, errorPage('订单不存在 No such order.'), 404);
    return null;
  }
  return { action, trade };
}

/**
 * Does what the buyer asked. When the trade refuses it (a `ControlError`: closed, already paid…)
 * the provider's error page answers, with the error's status, and the result is not `done`.
 */
export async function doBuyerAction<T>(
  res: Response,
  errorPage: BuyerErrorPage,
  act: () => Promise<T>,
): Promise<{ done: true; value: T } | { done: false }> {
  try {
    return { done: true, value: await act() };
  } catch (error) {
    if (!(error instanceof ControlError)) throw error;
    sendPage(res, errorPage(error.message), error.status);
    return { done: false };
  }
}
