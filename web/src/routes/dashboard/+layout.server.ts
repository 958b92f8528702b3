import type { LayoutServerLoad } from './$types';

/** What every console page shows around itself: the person, their merchants, the mode. */
export const load: LayoutServerLoad = async ({ locals }) => {
  const console = locals.console!;
  return {
    identity: console.session.identity,
    memberships: console.session.memberships,
    membership: console.membership,
    mode: console.mode,
    temporalUiUrl: null as string | null,
  };
};
