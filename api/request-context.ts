import type { Request } from 'express';
import type { MemberRole } from '../db/entities';
import type { StaffRole } from '../db/team-entities';
import type { IdKind } from '../domain/ids';
import type { AppError } from './errors';
import type { ConsoleSession } from './kratos';

/**
 * Who made a request: a console member or a platform staff member (Kratos sessions), a secret key,
 * or the platform's admin token (automation; allowed what a superadmin is).
 */
export type Actor =
  | {
      type: 'member';
      /** Kratos' identity id. */
      id: string;
      email: string;
      memberId: string;
      role: MemberRole;
      refundLimit: number | null;
    }
  | {
      type: 'staff';
      /** Kratos' identity id. */
      id: string;
      email: string;
      staffId: string;
      role: StaffRole;
    }
  | { type: 'api_key'; id: string; email: null }
  | { type: 'admin_token'; id: 'admin'; email: null };

/** What the API learned about a request while handling it. */
export interface RequestContext {
  requestId: string;
  /** The raw body, for idempotency hashes and provider signatures. */
  rawBody: Buffer | null;
  merchant: { id: string; livemode: boolean } | null;
  actor: Actor | null;
  /** A console request's signed-in person (api/session-auth.ts). */
  session: ConsoleSession | null;
  /** Set on a console member's change: the audit log's entry, written with the answer (api/audit.ts). */
  audit: ((status: number, body: unknown) => Promise<void>) | null;
  /** Set when the request claimed an Idempotency-Key (api/idempotency.ts). */
  idempotency: IdempotentRequest | null;
}

/** A request that claimed its Idempotency-Key: its answer settles the key before it is sent. */
export interface IdempotentRequest {
  /** The Idempotency-Key itself, for ids derived from it (the update an admin's request sends a workflow). */
  key: string;
  /** `error` is what the answer reports, if it reports one; idempotency decides from it what a retry replays. */
  settle(status: number, body: string, error: AppError | null): Promise<void>;
  /**
   * The id of the object this request creates, bound to its key before the object's workflow
   * starts: a new id the first time, the same id on every retry with the key.
   */
  objectId(kind: IdKind): Promise<string>;
}

const CONTEXT = Symbol('tongbao.context');

export function contextOf(req: Request): RequestContext {
  const holder = req as unknown as { [CONTEXT]?: RequestContext };
  holder[CONTEXT] ??= {
    requestId: '',
    rawBody: null,
    merchant: null,
    actor: null,
    session: null,
    audit: null,
    idempotency: null,
  };
  return holder[CONTEXT];
}

/** The authenticated merchant; routes behind merchant auth only. */
export function merchantOf(req: Request): { id: string; livemode: boolean } {
  const merchant = contextOf(req).merchant;
  if (!merchant) throw new Error('merchantOf called on a route without merchant authentication');
  return merchant;
}

/** Who made the request; routes behind authentication only. */
export function actorOf(req: Request): Actor {
  const actor = contextOf(req).actor;
  if (!actor) throw new Error('actorOf called on a route without authentication');
  return actor;
}

/** The signed-in person; console routes only. */
export function sessionOf(req: Request): ConsoleSession {
  const session = contextOf(req).session;
  if (!session) throw new Error('sessionOf called on a route without a console session');
  return session;
}
