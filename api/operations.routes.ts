import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { ListedStuckActivity, OperationsService } from './operations.service';
import { listObject } from './pagination';
import { sendJson } from './respond';
import { listQuerySchema, parse } from './validation';

export const stuckQuerySchema = z.strictObject({
  limit: listQuerySchema.limit,
  min_attempt: z.coerce.number().int().min(1).max(1_000_000).default(1),
  failing_for: z.coerce.number().int().min(0).max(31_536_000).optional().meta({
    description: "Seconds: only activities failing for at least this long (3600: the overview's stuck workflows).",
  }),
});

export function stuckObject(stuck: ListedStuckActivity) {
  return {
    object: 'stuck_activity' as const,
    workflow_id: stuck.workflowId,
    activity_id: stuck.activityId,
    activity_type: stuck.activityType,
    attempt: stuck.attempt,
    last_failure: stuck.lastFailure,
    first_failed_at: stuck.firstFailedAt.toISOString(),
    updated_at: stuck.updatedAt.toISOString(),
  };
}

/** `GET /v1/admin/stuck`: workflows whose activity keeps failing, found by workflow id in the Web UI. */
export function operationsRoutes(operations: OperationsService): Router {
  const router = Router();
  router.get('/stuck', async (req: Request, res: Response) => {
    const query = parse(stuckQuerySchema, req.query, 'query');
    const stuck = await operations.listStuck({
      limit: query.limit,
      minAttempt: query.min_attempt,
      failingForSeconds: query.failing_for ?? 0,
    });
    // One page, the most recently retried first: the list is short when all is well.
    await sendJson(req, res, 200, listObject('/v1/admin/stuck', stuck.map(stuckObject), false));
  });
  return router;
}
