import { env } from '$env/dynamic/private';
import type { LayoutServerLoad } from './$types';

/** What every console page shows around itself: the person, their merchants, the mode. */
export const load: LayoutServerLoad = async ({ locals }) => {
  const console = locals.console!;
  return {
    identity: console.session.identity,
    memberships: console.session.memberships,
    membership: console.membership,
    mode: console.mode,
    // Where a payment's workflow can be looked at (the stack's Temporal Web UI); no link without it.
    temporalUiUrl: env.TONGBAO_TEMPORAL_UI_URL ? env.TONGBAO_TEMPORAL_UI_URL.replace(/\/$/, '') : null,
  };
};
