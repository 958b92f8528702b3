import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { newId, type IdKind } from '../domain/ids';
import type { Database } from '../db/orm';
import type { SecretBox } from '../db/secret-box';
import { AppError, InvalidRequestError, NothingDoneError } from './errors';
import { contextOf } from './request-context';

/** How long a key is remembered. */
const RETENTION_HOURS = 24;
/** How long a first request may run before a retry with the same key may take over (it crashed). */
const LOCK_SECONDS = 60;

export interface IdempotencyDeps {
  db: Database;
  /** Seals the stored answers: some carry a secret shown once. */
  secretBox: SecretBox;
}

/**
 * Whose keys a request uses: a merchant's, in one mode, or platform administration's. Keys of
 * different owners never meet.
 */
export interface KeyOwner {
  id: string;
  livemode: boolean;
}

/** Platform administration's keys: the admin token and admin sessions share one key space. */
export const ADMIN_KEY_OWNER: KeyOwner = { id: 'admin', livemode: false };

/** The merchant a request authenticated as; its keys are its own. */
export const merchantKeyOwner = (req: Request): KeyOwner | null => contextOf(req).merchant;

/** A key as its owner's requests share it. */
interface ClaimedKey {
  owner: KeyOwner;
  key: string;
}

interface StoredKey {
  request_method: string;
  request_path: string;
  request_hash: string;
  response_status: number | null;
  response_body: string | null;
  locked: boolean;
}

/**
 * API.md's Idempotency-Key: the first response is stored and replayed byte for byte; the same key
 * with another body is 422; the same key while the first request runs is 409.
 *
 * The middleware claims the key of a POST (a merchant's, or an admin's: `ownerOf` says whose keys
 * the request uses), or answers from what the key already holds.
 * A request that claimed its key settles it with its answer: `sendJson` calls
 * `contextOf(req).idempotency.settle(…)` before sending, and `settle` decides what is kept.
 *
 * A request that creates a payment or a refund asks its key for the object's id
 * (`contextOf(req).idempotency.objectId(kind)`) before the object's workflow starts; the key keeps
 * it, through a 503 too, so that every retry with the key reaches the same object and money never
 * moves twice.
 */
export function createIdempotency({ db, secretBox }: IdempotencyDeps, ownerOf: (req: Request) => KeyOwner | null) {
  /**
   * Stores the answer for replay, or forgets the key when the answer should not be replayed:
   * 5xx (the request may succeed when retried), and requests rejected before any work began. A key
   * bound to an object is not forgotten after a 5xx, only released: the object's workflow may have
   * started, and the retry must reach it again; unless nothing was done (NothingDoneError).
   */
  async function settle(claimed: ClaimedKey, status: number, body: string, error: AppError | null): Promise<void> {
    const em = db.fork();
    const params = [claimed.owner.id, claimed.owner.livemode, claimed.key];
    if (replayable(status, error)) {
      await em.execute(
        `update idempotency_keys set response_status = ?, response_body = ? where merchant_id = ? and livemode = ? and key = ?`,
        [status, secretBox.seal(body), ...params],
      );
      return;
    }
    if (status >= 500 && !(error instanceof NothingDoneError)) {
      const released = await em.execute(
        `update idempotency_keys set locked_until = now()
         where merchant_id = ? and livemode = ? and key = ? and object_id is not null returning key`,
        params,
      );
      if (released.length > 0) return;
    }
    await em.execute(`delete from idempotency_keys where merchant_id = ? and livemode = ? and key = ?`, params);
  }

  /** The id of the object the key creates: a new one the first time, the one it already holds after that. */
  async function objectId(claimed: ClaimedKey, kind: IdKind): Promise<string> {
    const [bound] = await db.execute<{ object_id: string }[]>(
      `update idempotency_keys set object_id = coalesce(object_id, ?)
       where merchant_id = ? and livemode = ? and key = ? returning object_id`,
      [newId(kind), claimed.owner.id, claimed.owner.livemode, claimed.key],
    );
    if (!bound) throw new IdempotencyKeyInUseError();
    return bound.object_id;
  }

  /**
   * Stored answers are sealed like provider credentials: some carry a secret shown once (a webhook
   * endpoint's `whsec_…`). Answers stored before sealing began are replayed as they are.
   */
  function openResponse(stored: string): string {
    return stored.startsWith('v1.') ? String(secretBox.open(stored)) : stored;
  }

  return async function idempotency(req: Request, res: Response, next: NextFunction): Promise<void> {
    const key = req.get('idempotency-key');
    if (req.method !== 'POST' || key === undefined) return next();
    if (key.length === 0 || key.length > 255)
      throw new InvalidRequestError(
        'idempotency_key_invalid',
        'Idempotency-Key must be 1 to 255 characters.',
        'Idempotency-Key',
      );
    const context = contextOf(req);
    const owner = ownerOf(req);
    if (!owner) return next();

    const hash = createHash('sha256')
      .update(context.rawBody ?? Buffer.alloc(0))
      .digest('hex');
    const em = db.fork();
    const params = [owner.id, owner.livemode, key];
    // A key older than the retention period is forgotten and may be used again: the claim takes
    // its row over as if new (one statement rather than a delete before the insert, a round trip
    // less per request).
    const inserted = await em.execute(
      `insert into idempotency_keys (merchant_id, livemode, key, request_method, request_path, request_hash, locked_until)
       values (?, ?, ?, ?, ?, ?, now() + interval '${LOCK_SECONDS} seconds')
       on conflict (merchant_id, livemode, key) do update set
         request_method = excluded.request_method, request_path = excluded.request_path,
         request_hash = excluded.request_hash, locked_until = excluded.locked_until, created_at = now(),
         response_status = null, response_body = null, object_id = null
       where idempotency_keys.created_at < now() - interval '${RETENTION_HOURS} hours'
       returning key`,
      [...params, req.method, req.originalUrl, hash],
    );
    if (inserted.length === 0) {
      const [stored] = (await em.execute(
        `select request_method, request_path, request_hash, response_status, response_body, locked_until > now() as locked
         from idempotency_keys where merchant_id = ? and livemode = ? and key = ?`,
        params,
      )) as StoredKey[];
      if (!stored) throw new IdempotencyKeyInUseError();
      if (
        stored.request_hash !== hash ||
        stored.request_path !== req.originalUrl ||
        stored.request_method !== req.method
      ) {
        throw new IdempotencyKeyReusedError();
      }
      if (stored.response_status !== null && stored.response_body !== null) {
        res
          .status(stored.response_status)
          .type('application/json')
          .set('Idempotent-Replayed', 'true')
          .send(openResponse(stored.response_body));
        return;
      }
      if (stored.locked) throw new IdempotencyKeyInUseError();
      // The first request died without answering: this one takes its place.
      const taken = await em.execute(
        `update idempotency_keys set locked_until = now() + interval '${LOCK_SECONDS} seconds'
         where merchant_id = ? and livemode = ? and key = ? and response_status is null and locked_until <= now() returning key`,
        params,
      );
      if (taken.length === 0) throw new IdempotencyKeyInUseError();
    }
    const claimed: ClaimedKey = { owner, key };
    context.idempotency = {
      key,
      settle: (status, body, error) => settle(claimed, status, body, error),
      objectId: (kind) => objectId(claimed, kind),
    };
    next();
  };
}

/**
 * Whether an answer is kept for replay. A 5xx is not: the request may succeed when retried. Nor is
 * an error for a request rejected before any work began (malformed, unauthenticated, or refused by
 * its key): the merchant may fix it and retry with the same key.
 */
function replayable(status: number, error: AppError | null): boolean {
  if (error === null) return status < 500;
  return (
    status >= 400 &&
    status < 500 &&
    !(error instanceof InvalidRequestError) &&
    error.type !== 'authentication_error' &&
    error.type !== 'idempotency_error' &&
    error.code !== 'idempotency_key_in_use'
  );
}

/** Raised when the key was first used with another method, path or body. */
export class IdempotencyKeyReusedError extends AppError {
  constructor() {
    super(
      'idempotency_error',
      'idempotency_key_reused',
      'Keys for idempotent requests can only be used with the same parameters they were first used with.',
      'Idempotency-Key',
    );
  }
}

/** Raised when the first request with the key is still running (or another retry just took its place). */
export class IdempotencyKeyInUseError extends AppError {
  constructor() {
    super(
      'conflict_error',
      'idempotency_key_in_use',
      'A request with this Idempotency-Key is being processed; retry later.',
      'Idempotency-Key',
    );
  }
}
