import { ApplicationFailure } from '@temporalio/common';
import { NotFoundError } from '@mikro-orm/postgresql';
import { permanentStoreFailure, withStoreErrorsClassified } from './store-failures';

/** An error as the pg driver (and MikroORM's DriverException, which copies its fields) raises it. */
function pgError(code: string, message = 'refused'): Error {
  return Object.assign(new Error(message), { code });
}

describe('an error of our books that asking again cannot change is not retried', () => {
  test.each([
    ['22021', 'a NUL in a text', 'StoreInvalidDataError'],
    ['22P02', 'a malformed value', 'StoreInvalidDataError'],
    ['23503', 'a foreign key to a row that does not exist', 'StoreConstraintViolationError'],
    ['23505', 'a unique key taken', 'StoreConstraintViolationError'],
  ])('PostgreSQL %s (%s) → non-retryable %s', (code, _, type) => {
    expect(permanentStoreFailure(pgError(code))).toMatchObject({ nonRetryable: true, type });
  });

  test("MikroORM's NotFoundError → non-retryable StoreRowNotFoundError", () => {
    expect(permanentStoreFailure(NotFoundError.findOneFailed('Payment', { id: 'pay_x' }))).toMatchObject({
      nonRetryable: true,
      type: 'StoreRowNotFoundError',
    });
  });

  test.each([
    ['40001', 'a serialization failure'],
    ['40P01', 'a deadlock'],
    ['57P01', 'the server shutting down'],
    ['ECONNREFUSED', 'a refused connection'],
  ])('%s (%s) stays retryable', (code) => {
    expect(permanentStoreFailure(pgError(code))).toBeNull();
  });

  test('an ApplicationFailure an activity raised on purpose is passed on as it is', async () => {
    const own = ApplicationFailure.nonRetryable('merchant_order_no taken', 'MerchantOrderNoTakenError');
    const activities = withStoreErrorsClassified({
      own: async () => {
        throw own;
      },
      nul: async () => {
        throw pgError('22021', 'invalid byte sequence for encoding "UTF8": 0x00');
      },
      fine: async (value: number) => value + 1,
    });
    await expect(activities.own()).rejects.toBe(own);
    await expect(activities.nul()).rejects.toMatchObject({ nonRetryable: true, type: 'StoreInvalidDataError' });
    await expect(activities.fine(1)).resolves.toBe(2);
  });
});
