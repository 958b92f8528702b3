import { AuditLogSchema, type AuditActorType, type AuditLogRow } from '../db/entities';
import type { ApiDeps } from './deps';
import { NotFoundError } from './errors';
import type { Page } from './pagination';

/** One action for the audit log: who, from where, on what, and the object before and after (already redacted). */
export interface AuditEntry {
  actorType: AuditActorType;
  actor: string;
  actorEmail: string | null;
  /** null: a platform action about no one merchant (a template, a staff member). */
  merchantId: string | null;
  livemode: boolean | null;
  ip: string | null;
  forwardedFor: string | null;
  requestId: string;
  method: string;
  route: string;
  action: string;
  objectType: string | null;
  objectId: string | null;
  status: number;
  before: unknown;
  after: unknown;
  /** What the request said beyond the object (an admin's reason), already redacted. */
  details?: unknown;
}

/**
 * PostgreSQL's text and jsonb hold neither U+0000 nor a lone surrogate, and a refused request may
 * carry either (an id in its path, a string in its body): such an entry was lost, not written.
 * Each such character is written as U+FFFD instead, in strings and object keys alike.
 */
const UNSTORABLE =
  // eslint-disable-next-line no-control-regex -- finding U+0000 is the point
  /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function storableText(text: string): string {
  return text.replace(UNSTORABLE, '\uFFFD');
}

function storableJson(value: unknown): string {
  const storable = (item: unknown): unknown => {
    if (typeof item === 'string') return storableText(item);
    if (Array.isArray(item)) return item.map(storable);
    if (item !== null && typeof item === 'object')
      return Object.fromEntries(Object.entries(item).map(([key, inner]) => [storableText(key), storable(inner)]));
    return item;
  };
  return JSON.stringify(storable(value));
}

function storableOrNull(text: string | null): string | null {
  return text === null ? null : storableText(text);
}

/** Writes an entry; a failure is logged, never thrown: the action it records is done. */
export async function recordAudit(deps: ApiDeps, entry: AuditEntry): Promise<void> {
  try {
    await deps.db
      .fork()
      .getConnection()
      .execute(
        `insert into audit_log (actor_type, actor, actor_email, merchant_id, livemode, ip, forwarded_for, request_id,
           method, route, action, object_type, object_id, status, before, after, details)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          entry.actorType,
          storableText(entry.actor),
          storableOrNull(entry.actorEmail),
          storableOrNull(entry.merchantId),
          entry.livemode,
          storableOrNull(entry.ip),
          storableOrNull(entry.forwardedFor),
          entry.requestId,
          entry.method,
          entry.route,
          entry.action,
          entry.objectType,
          storableOrNull(entry.objectId),
          entry.status,
          entry.before === null ? null : storableJson(entry.before),
          entry.after === null ? null : storableJson(entry.after),
          storableJson(entry.details ?? {}),
        ],
      );
  } catch (error) {
    deps.logger.error({ err: error, requestId: entry.requestId }, 'could not write the audit log');
  }
}

/** Which entries a list takes; all given must hold. */
export interface AuditLogFilter {
  limit: number;
  starting_after?: string;
  /** The actor's id (a Kratos identity, a key's id, `admin`) or e-mail address. */
  actor?: string;
  actorType?: AuditActorType;
  /** The object's id. */
  object?: string;
  objectType?: string;
  action?: string;
  /** Admin lists only (a merchant's own list is scoped by its caller): one merchant's entries. */
  merchant?: string;
  /** Inclusive bounds of `at`, ISO 8601. */
  since?: string;
  until?: string;
}

/**
 * The audit log, newest first: a merchant's entries as its owners and admins read them, or (with
 * `scope` null) every entry, as the platform's staff read them.
 */
export function createAuditLogService(deps: ApiDeps) {
  return {
    async list(scope: { id: string; livemode: boolean } | null, params: AuditLogFilter): Promise<Page<AuditLogRow>> {
      const em = deps.db.fork();
      const where: Record<string, unknown> = {};
      const merchantId = scope?.id ?? params.merchant;
      if (merchantId) where.merchantId = merchantId;
      if (params.actor) where.$or = [{ actor: params.actor }, { actorEmail: params.actor.toLowerCase() }];
      if (params.actorType) where.actorType = params.actorType;
      if (params.object) where.objectId = params.object;
      if (params.objectType) where.objectType = params.objectType;
      if (params.action) where.action = params.action;
      if (params.since || params.until)
        where.at = {
          ...(params.since ? { $gte: new Date(params.since) } : {}),
          ...(params.until ? { $lte: new Date(params.until) } : {}),
        };
      if (params.starting_after) {
        const cursor = /^aud_([0-9]{1,18})$/.exec(params.starting_after);
        const found = cursor
          ? await em.findOne(AuditLogSchema, { id: cursor[1], ...(scope ? { merchantId: scope.id } : {}) })
          : null;
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
