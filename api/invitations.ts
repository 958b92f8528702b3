import type { Kratos } from './kratos';

/** How long an invitation's code lets the person in (the e-mail says it in days). */
export const INVITATION_DAYS = 7;

/**
 * The web app's recovery page with a fresh recovery flow and its code filled in: an invitation's
 * way in for a person without a password (the code signs them in once and they set one).
 */
export async function invitationLink(kratos: Kratos, webUrl: string, identityId: string): Promise<string> {
  const { code, link } = await kratos.recoveryCode(identityId, `${INVITATION_DAYS * 24}h`);
  const flow = new URL(link).searchParams.get('flow') ?? '';
  const url = new URL(`${webUrl}/auth/recovery`);
  url.searchParams.set('flow', flow);
  url.searchParams.set('code', code);
  return url.toString();
}
