import { env } from '$env/dynamic/private';
import type { PageServerLoad } from './$types';

/** Kratos' error page: what went wrong in a flow (its id comes in the query), in Kratos' words. */
export const load: PageServerLoad = async ({ url }) => {
  const id = url.searchParams.get('id');
  if (!id || !env.KRATOS_PUBLIC_URL) return { message: null };
  try {
    const response = await fetch(
      `${env.KRATOS_PUBLIC_URL.replace(/\/$/, '')}/self-service/errors?id=${encodeURIComponent(id)}`,
      {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(5_000),
      },
    );
    const body = (await response.json()) as { error?: { message?: string; reason?: string } };
    return { message: body.error?.reason ?? body.error?.message ?? null };
  } catch {
    return { message: null };
  }
};
