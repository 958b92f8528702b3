import { createPaymentActivities, type ActivityDeps } from './payment.activities';

export type { ActivityDeps } from './payment.activities';

/** Every activity of the worker, created with its dependencies. Workflows see only the type. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createPaymentActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
