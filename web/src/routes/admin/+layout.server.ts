import { env } from '$env/dynamic/private';
import type { LayoutServerLoad } from './$types';

/** What every admin page shows around itself: the staff member and what their role allows. */
export const load: LayoutServerLoad = async ({ locals }) => {
  const admin = locals.admin!;
  return {
    identity: admin.session.identity,
    staff: admin.session.staff,
    permissions: admin.session.permissions,
    // Where a payment's workflow can be looked at (the stack's Temporal Web UI); no link without it.
    temporalUiUrl: env.TONGBAO_TEMPORAL_UI_URL ? env.TONGBAO_TEMPORAL_UI_URL.replace(/\/$/, '') : null,
  };
};
