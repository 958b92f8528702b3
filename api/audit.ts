import type { EntityManager } from '@mikro-orm/postgresql';
import type { Request } from 'express';
import { contextOf } from './request-context';

/** Who did something and in which request, as the audit log records it. */
export interface Audit {
  requestId: string;
  /** `api_key:key_…` today; console sessions will name their person. */
  actor: string;
}

/** The audit facts of a merchant's request. */
export function merchantAudit(req: Request): Audit {
  const context = contextOf(req);
  return { requestId: context.requestId, actor: `api_key:${context.merchant?.apiKeyId ?? 'unknown'}` };
}

/**
 * One line of the audit log, in the caller's transaction so that it exists exactly when the change
 * does. `details` must never hold a secret: the log is read by people.
 */
export async function writeAudit(
  tx: EntityManager,
  audit: Audit,
  action: string,
  objectId: string,
  details: Record<string, unknown> = {},
): Promise<void> {
  await tx.execute(`insert into audit_log (actor, action, object_id, details, request_id) values (?, ?, ?, ?, ?)`, [
    audit.actor,
    action,
    objectId,
    JSON.stringify(details),
    audit.requestId,
  ]);
}
