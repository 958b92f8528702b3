import { AuditLogSchema, type AuditLogRow } from '../db/entities';
import type { ApiDeps } from './deps';
import { NotFoundError } from './errors';
import type { Page } from './pagination';

/** The audit log as a merchant's owners and admins read it: their merchant's entries, newest first. */
export function createAuditLogService(deps: ApiDeps) {
  return {
    async list(
      merchant: { id: string; livemode: boolean },
      params: { limit: number; starting_after?: string; actor?: string; object?: string; action?: string },
    ): Promise<Page<AuditLogRow>> {
      const em = deps.db.fork();
      const where: Record<string, unknown> = { merchantId: merchant.id };
      if (params.actor) where.$or = [{ actor: params.actor }, { actorEmail: params.actor.toLowerCase() }];
      if (params.object) where.objectId = params.object;
      if (params.action) where.action = params.action;
      if (params.starting_after) {
        const cursor = /^aud_([0-9]{1,18})$/.exec(params.starting_after);
        const found = cursor ? await em.findOne(AuditLogSchema, { id: cursor[1], merchantId: merchant.id }) : null;
        if (!found) throw new NotFoundError('audit entry', params.starting_after, 'starting_after');
        // Ids grow with time: the next page is the entries before the cursor's.
        where.id = { $lt: found.id };
      }
      const rows = await em.find(AuditLogSchema, where, { orderBy: { id: 'desc' }, limit: params.limit + 1 });
      return { data: rows.slice(0, params.limit), hasMore: rows.length > params.limit };
    },
  };
}

export type AuditLogService = ReturnType<typeof createAuditLogService>;
