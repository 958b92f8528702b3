import { ApplicationFailure } from '@temporalio/common';
import { NotFoundError } from '@mikro-orm/postgresql';
import { STORE_FAILURE_TYPES } from '../domain/failures';

/**
 * What an error of our books means for a retry: PostgreSQL's classes 22 (data exception: a NUL in
 * a text, a value out of range) and 23 (integrity constraint violation: a foreign key to a row that
 * does not exist, a unique key taken) and MikroORM's NotFoundError fail the same way every time, so
 * they become non-retryable ApplicationFailures typed by STORE_FAILURE_TYPES; anything else
 * (connection lost, serialization failure 40001, deadlock 40P01, a timeout) stays retryable.
 * Returns null for an error that is not permanent.
 */
export function permanentStoreFailure(error: unknown): ApplicationFailure | null {
  if (error instanceof ApplicationFailure) return null;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof NotFoundError) return ApplicationFailure.nonRetryable(message, STORE_FAILURE_TYPES.notFound);
  const sqlState = (error as { code?: unknown } | null)?.code;
  if (typeof sqlState !== 'string' || !/^[0-9A-Z]{5}$/.test(sqlState)) return null;
  if (sqlState.startsWith('22'))
    return ApplicationFailure.create({
      message,
      type: STORE_FAILURE_TYPES.invalidData,
      nonRetryable: true,
      details: [{ sqlState }],
    });
  if (sqlState.startsWith('23'))
    return ApplicationFailure.create({
      message,
      type: STORE_FAILURE_TYPES.constraintViolated,
      nonRetryable: true,
      details: [{ sqlState }],
    });
  return null;
}

type AnyActivity = (...args: never[]) => Promise<unknown>;

/**
 * The same activities, each turning a permanent store error into a non-retryable failure
 * (permanentStoreFailure), so that Temporal stops asking again and the workflow decides.
 */
export function withStoreErrorsClassified<T extends Record<string, AnyActivity>>(activities: T): T {
  const wrapped: Record<string, AnyActivity> = {};
  for (const [name, activity] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await activity(...args);
      } catch (error) {
        throw permanentStoreFailure(error) ?? error;
      }
    };
  }
  return wrapped as T;
}
